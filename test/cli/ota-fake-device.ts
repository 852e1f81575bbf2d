/**
 * Fake devices for the OTA tools' tests: they read signed commands from an
 * embedded aedes broker, check them as a device does (trusted key, Ed25519
 * signature, device, nonce), and answer with scripted CommandResults and
 * OtaReports, fast and in a fixed order. Not the firmware: the integration
 * tests run that.
 */
import nacl from "tweetnacl";
import { parseBody, parseEnvelope, signedMessage, type CommandBody, type CommandResult } from "../../firmware/commands/command-format";
import type { OtaReport } from "../../firmware/ota/ota-report";
import { startEmbeddedBroker, type EmbeddedBroker } from "../../sim/net/broker";

/** What a device does once it accepted ota.start. */
export type Behaviour = "confirm" | "roll-back" | "fail" | "refuse-busy" | "silent" | "stall";

export interface FakeDeviceSpec {
  running: string;
  behaviour: Behaviour;
  /** Whether it has a retained status ("online") and OTA report at all. */
  known?: boolean;
}

export interface FakeFleet {
  readonly broker: EmbeddedBroker;
  /** Every command each device read, in order. */
  readonly received: Map<string, CommandBody[]>;
  readonly devices: Map<string, FakeDeviceSpec>;
  close(): Promise<void>;
}

const STEP_MS = 5;
const encoder = new TextEncoder();

function publish(broker: EmbeddedBroker, topic: string, payload: string, retain: boolean): Promise<void> {
  return new Promise((resolve, reject) =>
    broker.aedes.publish({ cmd: "publish", topic, payload: Buffer.from(payload), qos: 1, retain, dup: false }, (error) => (error ? reject(error) : resolve())),
  );
}

export function report(state: OtaReport["state"], fields: Partial<OtaReport>): OtaReport {
  return { type: "ota", state, bytes: 0, total: null, percent: 0, version: null, running: "1.0.0", slot: "ota_0", previous: null, error: null, nonce: null, ...fields };
}

export async function startFakeFleet(options: { devices: Record<string, FakeDeviceSpec>; trusted: Record<string, Uint8Array>; prefix?: string }): Promise<FakeFleet> {
  const prefix = options.prefix ?? "fieldnode";
  const broker = await startEmbeddedBroker();
  const devices = new Map(Object.entries(options.devices));
  const received = new Map<string, CommandBody[]>();
  const seen = new Set<string>();
  let closed = false;
  const pause = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
  /** One step after another, each published before the next starts, as a device's single MQTT link would. */
  const sequence = async (steps: ReadonlyArray<() => Promise<void>>): Promise<void> => {
    for (const step of steps) {
      await pause(STEP_MS);
      if (closed) return;
      await step();
    }
  };

  for (const [id, spec] of devices) {
    if (spec.known === false) continue;
    await publish(broker, `${prefix}/${id}/status`, "online", true);
    await publish(broker, `${prefix}/${id}/ota/status`, JSON.stringify(report("idle", { running: spec.running, percent: 0 })), true);
  }

  const answer = (id: string, result: CommandResult): Promise<void> => publish(broker, `${prefix}/${id}/status`, JSON.stringify(result), false);
  const ota = (id: string, r: OtaReport): Promise<void> => publish(broker, `${prefix}/${id}/ota/status`, JSON.stringify(r), true);

  const run = (id: string, spec: FakeDeviceSpec, body: CommandBody): void => {
    const version = String(body.args.version);
    const nonce = body.nonce;
    const old = spec.running;
    const steps: Array<() => Promise<void>> = [];
    const total = 1000;
    for (const bytes of [0, 500, 1000]) {
      steps.push(() => ota(id, report("downloading", { bytes, total, percent: bytes / 10, version, running: old, previous: old, nonce })));
    }
    if (spec.behaviour === "fail") {
      steps.push(() => ota(id, report("failed", { bytes: 1000, total, percent: 100, version, running: old, previous: old, nonce, error: { code: "SHA256_MISMATCH", number: 9, message: "payload SHA-256 differs from the one the command named" } })));
    } else if (spec.behaviour !== "stall") {
      steps.push(() => ota(id, report("installing", { bytes: 1000, total, percent: 100, version, running: old, previous: old, nonce })));
      steps.push(() => ota(id, report("rebooting", { bytes: 1000, total, percent: 100, version, running: old, previous: old, nonce })));
      steps.push(() => publish(broker, `${prefix}/${id}/status`, "offline", true));
      steps.push(() => publish(broker, `${prefix}/${id}/status`, "online", true));
      if (spec.behaviour === "confirm") {
        steps.push(() => ota(id, report("trial", { percent: 100, version, running: version, slot: "ota_1", previous: old, nonce })));
        steps.push(async () => {
          spec.running = version;
          await ota(id, report("confirmed", { percent: 100, version, running: version, slot: "ota_1", previous: old, nonce }));
        });
      } else {
        steps.push(() => ota(id, report("trial", { percent: 100, version, running: version, slot: "ota_1", previous: old, nonce })));
        steps.push(() => ota(id, report("rejected", { percent: 100, version, running: version, slot: "ota_1", previous: old, nonce })));
        steps.push(() => ota(id, report("rolled-back", { percent: 100, version, running: old, previous: version, nonce, error: { code: "TRIAL_FAILED", number: 14, message: `${version} failed its trial: sensors` } })));
      }
    }
    void sequence(steps);
  };

  await new Promise<void>((subscribed) => broker.aedes.subscribe(
    `${prefix}/+/cmd`,
    (packet, done) => {
      done();
      const id = packet.topic.split("/").at(-2)!;
      const spec = devices.get(id);
      if (spec === undefined) return;
      const envelope = parseEnvelope(packet.payload.toString());
      if (!envelope.ok) return void answer(id, { type: "command", result: "refused", reason: envelope.reason, message: envelope.message });
      const { keyId, body, signature } = envelope.value;
      const key = options.trusted[keyId];
      if (key === undefined) return void answer(id, { type: "command", result: "refused", reason: "unknown-key", keyId, message: `technician key ${keyId} is not trusted by this device` });
      if (!nacl.sign.detached.verify(signedMessage(body, (t) => encoder.encode(t)), signature, key)) {
        return void answer(id, { type: "command", result: "refused", reason: "bad-signature", keyId, message: "the signature does not verify" });
      }
      const parsed = parseBody(body);
      if (!parsed.ok) return void answer(id, { type: "command", result: "refused", reason: parsed.reason, keyId, message: parsed.message });
      const command = parsed.value;
      received.set(id, [...(received.get(id) ?? []), command]);
      const base = { type: "command" as const, command: command.command, nonce: command.nonce, keyId };
      if (spec.behaviour === "silent") return;
      if (command.device !== id) return void answer(id, { ...base, result: "refused", reason: "wrong-device", message: `the command is for ${command.device}, this is ${id}` });
      if (seen.has(command.nonce)) return void answer(id, { ...base, result: "refused", reason: "replayed", message: `nonce ${command.nonce} was already used` });
      seen.add(command.nonce);
      if (spec.behaviour === "refuse-busy") return void answer(id, { ...base, result: "refused", reason: "busy", message: "BUSY: an update is already downloading" });
      void answer(id, { ...base, result: "accepted", message: command.command === "ota.start" ? `downloading ${String(command.args.version)}` : "ok" });
      if (command.command === "ota.start") run(id, spec, command);
    },
    subscribed,
  ));

  return {
    broker,
    received,
    devices,
    async close() {
      closed = true;
      await broker.close();
    },
  };
}
