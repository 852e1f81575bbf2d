/**
 * The OTA tools against real simulated devices: the firmware's own command
 * channel, OTA client, trial boot and rollback, on an embedded broker and
 * real time. Each test uses its own device of one shared fleet; a trial
 * needs 15 s of device uptime, so the updates take ~20 s each.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DeviceWatch } from "../../host/commands/device-watch";
import { sendCommand } from "../../host/commands/send-command";
import { signCommand } from "../../host/commands/sign-command";
import { deviceTopics } from "../../host/commands/topics";
import { EXIT } from "../../host/cli/command";
import { connectBroker, type BrokerConnection } from "../../host/mqtt/broker-connection";
import { parseBrokerAddress, type BrokerAddress } from "../../host/mqtt/broker-url";
import { startSimFleet, type SimFleet } from "./ota-sim-fixture";
import { fieldnode, technicianKeyFile } from "./ota-support";

let sim: SimFleet;

beforeAll(async () => {
  process.stdout.isTTY = false;
  sim = await startSimFleet(5);
  await waitForDevices(sim, 30_000);
}, 60_000);

afterAll(async () => {
  await sim?.close();
});

/** Every device has published its retained OTA report: booted, connected, subscribed. */
async function waitForDevices(s: SimFleet, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const run = await fieldnode("ota", "status", "--broker", s.broker, "--json");
    const rows = run.stdout.split("\n").filter(Boolean).map((l) => JSON.parse(l) as { online: boolean | null; report: unknown });
    if (rows.length === s.fleet.devices.length && rows.every((r) => r.online === true && r.report !== null)) return;
    if (Date.now() > deadline) throw new Error(`devices not all up after ${timeoutMs} ms: ${run.stdout}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

const push = (device: string, image: string, ...extra: string[]) =>
  fieldnode("ota", "push", "--device", device, "--key", sim.technicianPath, "--image", image, "--broker", sim.broker, "--timeout", "20", ...extra);

describe("ota push against simulated devices", () => {
  it("updates a device: exit 0, it runs the new version, confirmed", async () => {
    const run = await push("node-001", await sim.image("2.0.0"));
    expect(run.stderr).toBe("");
    expect(run.code).toBe(EXIT.ok);
    expect(run.stdout.trimEnd().split("\n").at(-1)).toMatch(/^updated node-001: 1\.0\.0 -> 2\.0\.0, confirmed after its trial \(\d+\.\d s\)$/);
    const device = sim.fleet.device("node-001").device;
    expect(device.lastBoot?.version).toBe("2.0.0");
    expect(device.imageState()).toBe("valid");
  }, 90_000);

  it("exit 1 when the new image fails its self-test: the device is back on the old version", async () => {
    const run = await push("node-002", await sim.image("2.0.0", "fail-self-test"));
    expect(run.code).toBe(EXIT.failed);
    expect(run.stdout.trimEnd().split("\n").at(-1)).toMatch(/^update of node-002 to 2\.0\.0 rolled back; it runs 1\.0\.0 again \(\d+\.\d s\): TRIAL_FAILED \(\d+\): /);
    expect(sim.fleet.device("node-002").device.lastBoot?.version).toBe("1.0.0");
  }, 90_000);

  it("exit 1 when the new image crashes at boot: the bootloader rolls it back", async () => {
    const run = await push("node-003", await sim.image("2.0.0", "crash-at-boot"));
    expect(run.code).toBe(EXIT.failed);
    expect(run.stdout.trimEnd().split("\n").at(-1)).toMatch(/^update of node-003 to 2\.0\.0 rolled back; it runs 1\.0\.0 again \(\d+\.\d s\): ROLLED_BACK \(\d+\): /);
    expect(sim.fleet.device("node-003").device.lastBoot?.version).toBe("1.0.0");
  }, 90_000);

  it("exit 1 with unknown-key when signed by a key the device does not trust", async () => {
    const stranger = technicianKeyFile(sim.dir, "stranger");
    const run = await fieldnode("ota", "push", "--device", "node-004", "--key", stranger.path, "--image", await sim.image("2.0.0"), "--broker", sim.broker, "--timeout", "20");
    expect(run.code).toBe(EXIT.failed);
    expect(run.stdout.trimEnd().split("\n").at(-1)).toBe(`node-004 refused the command: unknown-key: technician key ${stranger.key.keyIdHex} is not trusted by this device`);
  }, 30_000);
});

describe("signed commands on simulated devices", () => {
  let broker: BrokerAddress;
  let connection: BrokerConnection;
  let watch: DeviceWatch;

  beforeAll(async () => {
    broker = parseBrokerAddress(sim.broker) as BrokerAddress;
    connection = await connectBroker(broker);
    watch = await DeviceWatch.start(connection, "fieldnode", ["node-004", "node-005"]);
  });

  afterAll(async () => {
    watch?.close();
    await connection?.close();
  });

  const harmless = (device: string) => signCommand(sim.technician, { device, command: "config.set", args: { section: "telemetry", values: { interval: 10_000 } } });

  it("refuses the same signed command a second time as replayed", async () => {
    const signed = harmless("node-005");
    expect((await sendCommand(connection, watch, signed, 10_000))?.result).toBe("accepted");
    expect(await sendCommand(connection, watch, signed, 10_000)).toMatchObject({ result: "refused", reason: "replayed", nonce: signed.nonce });
  });

  it("refuses a command whose body was altered after signing as bad-signature", async () => {
    const signed = harmless("node-005");
    const envelope = JSON.parse(signed.envelope) as { body: string };
    const forged = { ...signed, envelope: JSON.stringify({ ...JSON.parse(signed.envelope), body: envelope.body.replace('"interval":10000', '"interval":1000') }) };
    expect(await sendCommand(connection, watch, forged, 10_000)).toMatchObject({ result: "refused", reason: "bad-signature", keyId: sim.technician.keyIdHex });
  });

  it("refuses another device's command as wrong-device", async () => {
    const forNode4 = harmless("node-004");
    const answered = new Promise((resolve) => {
      const detach = watch.on((event) => {
        if (event.kind === "result" && event.device === "node-005") {
          detach();
          resolve(event.result);
        }
      });
    });
    await connection.publish(deviceTopics("fieldnode", "node-005").cmd, forNode4.envelope);
    expect(await answered).toMatchObject({ result: "refused", reason: "wrong-device", nonce: forNode4.nonce });
  });
});
