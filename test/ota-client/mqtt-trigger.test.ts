/**
 * The MQTT trigger end to end: a simulated device running a real build, an
 * embedded broker, a technician's signed `ota.start` published on the
 * device's command topic, the image served over HTTP. What the technician
 * sees is what these tests read: the command results on `<id>/status` and
 * the retained reports on `<id>/ota/status`.
 */
import mqtt from "mqtt";
import { afterEach, describe, expect, it } from "vitest";
import type { CommandResult } from "../../firmware/commands/command-format";
import type { OtaReport } from "../../firmware/ota/ota-report";
import { parseSemver, type Semver } from "../../firmware/ota/semver";
import { signCommand, type CommandRequest } from "../../host/commands/sign-command";
import { parseTechnicianKey } from "../../host/commands/technician-key";
import { signImage } from "../../host/keys/image-signing";
import { imageFacts } from "../../host/ota/image-facts";
import { generateKey, parsePrivateKeyPem } from "../../host/keys/key-files";
import type { BuildFault } from "../../firmware/build-info";
import { loadDevicePartitionTable } from "../../sim/boot/device-partition-table";
import { buildSimFirmware } from "../../sim/build/firmware-image";
import { VirtualClock } from "../../sim/clock/virtual-clock";
import { FLASH_SIZE } from "../../sim/device/flash-store";
import { provisionFactoryImage } from "../../sim/device/provision";
import { SimDevice } from "../../sim/device/sim-device";
import { NorFlash } from "../../sim/flash/nor-flash";
import { startEmbeddedBroker } from "../../sim/net/broker";
import { subscribe, type Subscriber } from "../../sim/net/subscriber";
import { pumpUntil } from "../telemetry/support";
import { serveImage } from "./image-server";

const signingKey = generateKey("p256", "release");
const signing = parsePrivateKeyPem(signingKey.privatePem, "release key");
const technicianFiles = generateKey("ed25519", "technician");
const technician = parseTechnicianKey(technicianFiles.privatePem, "technician key");
const colleagueFiles = generateKey("ed25519", "colleague");
const colleague = parseTechnicianKey(colleagueFiles.privatePem, "colleague key");
const keys = { trustedKeys: [signingKey.publicFile], technicianKeys: [technicianFiles.publicFile, colleagueFiles.publicFile] };
const partitions = loadDevicePartitionTable();
const ID = "fn-mqtt";

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function signedBuild(version: string, fault: BuildFault = "none"): Promise<Uint8Array> {
  const build = await buildSimFirmware({ version, fault, ...keys });
  return signImage({ payload: build.image, version: parseSemver(version) as Semver, securityCounter: 0, target: "esp32" }, signing);
}

const sha256Of = async (image: Uint8Array): Promise<string> => imageFacts(image).sha256;

async function setup() {
  const broker = await startEmbeddedBroker();
  cleanups.push(() => broker.close());
  const sub: Subscriber = await subscribe({ host: broker.host, port: broker.port, topics: [`fieldnode/${ID}/#`] });
  cleanups.push(() => sub.close());
  const technicianClient = await mqtt.connectAsync(`mqtt://${broker.host}:${broker.port}`, { clientId: "technician" });
  cleanups.push(() => technicianClient.endAsync());
  const erased: number[] = [];
  const flash = new NorFlash({ size: FLASH_SIZE, observer: { onErase: (offset) => erased.push(offset), onWrite: () => {} } });
  provisionFactoryImage(flash, partitions, (await buildSimFirmware({ version: "1.0.0", ...keys })).image);
  const clock = new VirtualClock();
  const dev = new SimDevice({ id: ID, clock, flash, partitions, mqtt: { host: broker.host, port: broker.port } });
  cleanups.push(() => dev.powerCut());
  dev.powerOn();
  await pumpUntil(clock, () => sub.messages.some((m) => m.topic === `fieldnode/${ID}/status` && m.payload === "online"), "the device online");
  const results = () => sub.messages.filter((m) => m.topic === `fieldnode/${ID}/status` && m.payload.startsWith("{")).map((m) => JSON.parse(m.payload) as CommandResult);
  const reports = () => sub.messages.filter((m) => m.topic === `fieldnode/${ID}/ota/status`).map((m) => JSON.parse(m.payload) as OtaReport);
  const send = async (request: Partial<CommandRequest> & Pick<CommandRequest, "command">) => {
    const signed = signCommand(technician, { device: ID, args: {}, ...request });
    await technicianClient.publishAsync(`fieldnode/${ID}/cmd`, signed.envelope, { qos: 1 });
    return signed;
  };
  const publishRaw = (payload: string) => technicianClient.publishAsync(`fieldnode/${ID}/cmd`, payload, { qos: 1 });
  const slot = partitions.find("ota_1")!;
  /** Erases inside the inactive slot since the last call. */
  const slotErases = () => erased.splice(0).filter((offset) => offset >= slot.offset && offset < slot.offset + slot.size).length;
  return { clock, dev, flash, sub, results, reports, send, publishRaw, slotErases };
}

async function serve(image: Uint8Array) {
  const server = await serveImage(image);
  cleanups.push(() => server.close());
  return server;
}

describe("OTA over the MQTT trigger", () => {
  it("installs v2 named by a signed ota.start; v2 confirms its trial and says so on ota/status", async () => {
    const { clock, dev, results, reports, send } = await setup();
    const image = await signedBuild("2.0.0");
    const server = await serve(image);
    const signed = await send({ command: "ota.start", args: { url: server.url, version: "2.0.0", sha256: await sha256Of(image) } });
    await pumpUntil(clock, () => reports().some((r) => r.state === "confirmed"), "v2 confirmed", 60_000, 50);

    expect(results()).toContainEqual(expect.objectContaining({ result: "accepted", command: "ota.start", nonce: signed.nonce }));
    const states = reports().filter((r) => r.nonce === signed.nonce).map((r) => r.state);
    expect(states[0]).toBe("downloading");
    expect(states.slice(-4)).toEqual(["installing", "rebooting", "trial", "confirmed"]);
    expect(reports().at(-1)).toMatchObject({ state: "confirmed", version: "2.0.0", running: "2.0.0", previous: "1.0.0", slot: "ota_1", error: null, percent: 100 });
    expect(dev.lastBoot).toMatchObject({ version: "2.0.0", slot: "ota_1" });
    expect(dev.imageState()).toBe("valid");
  });

  it("rolls back a v2 that fails its self-test, and the old image reports rolled-back with the reason", async () => {
    const { clock, dev, reports, send } = await setup();
    const image = await signedBuild("2.0.0", "fail-self-test");
    const server = await serve(image);
    const signed = await send({ command: "ota.start", args: { url: server.url, version: "2.0.0", sha256: await sha256Of(image) } });
    await pumpUntil(clock, () => reports().some((r) => r.state === "rolled-back"), "the rollback reported", 60_000, 50);

    expect(reports().at(-1)).toMatchObject({
      state: "rolled-back",
      version: "2.0.0",
      running: "1.0.0",
      slot: "ota_0",
      nonce: signed.nonce,
      error: { code: "TRIAL_FAILED", number: 43 },
    });
    expect(reports().at(-1)!.error!.message).toMatch(/^2\.0\.0 failed its trial: .*build/);
    expect(dev.lastBoot).toMatchObject({ version: "1.0.0", slot: "ota_0" });
  });

  it("rolls back a v2 that crashes at boot, reported as ROLLED_BACK by the old image", async () => {
    const { clock, dev, reports, send } = await setup();
    const image = await signedBuild("2.0.0", "crash-at-boot");
    const server = await serve(image);
    await send({ command: "ota.start", args: { url: server.url, version: "2.0.0", sha256: await sha256Of(image) } });
    await pumpUntil(clock, () => reports().some((r) => r.state === "rolled-back"), "the rollback reported", 60_000, 50);

    expect(reports().at(-1)).toMatchObject({ state: "rolled-back", version: "2.0.0", running: "1.0.0", error: { code: "ROLLED_BACK", number: 44 } });
    expect(dev.lastBoot).toMatchObject({ version: "1.0.0", slot: "ota_0" });
  });

  it("reports a v2 that kept crashing after it confirmed its trial, which the boot-loop guard took back", async () => {
    const { clock, dev, reports, send } = await setup();
    const image = await signedBuild("2.0.0", "crash-after-trial");
    const server = await serve(image);
    await send({ command: "ota.start", args: { url: server.url, version: "2.0.0", sha256: await sha256Of(image) } });
    await pumpUntil(clock, () => reports().some((r) => r.state === "rolled-back"), "the rollback reported", 60_000, 50);

    expect(reports().map((r) => r.state)).toContain("confirmed");
    expect(reports().at(-1)).toMatchObject({
      state: "rolled-back",
      version: "2.0.0",
      running: "1.0.0",
      error: { code: "ROLLED_BACK", number: 44, message: "2.0.0 kept resetting after it confirmed its trial; the boot-loop guard went back" },
    });
    expect(dev.lastBoot).toMatchObject({ version: "1.0.0", slot: "ota_0" });
  });

  it("refuses a tampered image named by a command before erasing anything in the inactive slot", async () => {
    const { clock, reports, send, slotErases } = await setup();
    const image = await signedBuild("2.0.0");
    const sha256 = await sha256Of(image);
    const tampered = image.slice();
    tampered[40] ^= 0x01; // inside the signed header
    const server = await serve(tampered);
    slotErases();
    await send({ command: "ota.start", args: { url: server.url, version: "2.0.0", sha256 } });
    await pumpUntil(clock, () => reports().some((r) => r.state === "failed"), "the refusal", 20_000);

    expect(reports().at(-1)!.error!.code).toMatch(/^(BAD_SIGNATURE|MALFORMED_HEADER|UNKNOWN_KEY)$/);
    expect(slotErases()).toBe(0);
  });

  it("refuses a downgrade named by a command, before erasing anything", async () => {
    const { clock, reports, send, slotErases } = await setup();
    const image = await signedBuild("0.9.0");
    const server = await serve(image);
    slotErases();
    await send({ command: "ota.start", args: { url: server.url, version: "0.9.0", sha256: await sha256Of(image) } });
    await pumpUntil(clock, () => reports().some((r) => r.state === "failed"), "the refusal", 20_000);

    expect(reports().at(-1)).toMatchObject({ state: "failed", error: { code: "DOWNGRADE", number: 10 } });
    expect(slotErases()).toBe(0);
  });

  it("reports a replayed command as refused on the status topic, and does not act on it", async () => {
    const { clock, results, send, publishRaw } = await setup();
    const first = await send({ command: "config.set", args: { section: "telemetry", values: { interval: 20_000 } } });
    await pumpUntil(clock, () => results().length === 1, "the first result");
    await publishRaw(first.envelope);
    await pumpUntil(clock, () => results().length === 2, "the replay's result");

    expect(results()[0]).toMatchObject({ result: "accepted", command: "config.set", nonce: first.nonce });
    expect(results()[1]).toMatchObject({ result: "refused", reason: "replayed", command: "config.set", nonce: first.nonce });
  });

  it("reports a command for another device as refused, wrong-device", async () => {
    const { clock, results, publishRaw } = await setup();
    const other = signCommand(technician, { device: "fn-other", command: "reboot", args: {} });
    await publishRaw(other.envelope);
    await pumpUntil(clock, () => results().length === 1, "the result");

    expect(results()[0]).toMatchObject({ result: "refused", reason: "wrong-device", command: "reboot", nonce: other.nonce });
    expect(results()[0]!.message).toBe("the command is for fn-other, this is fn-mqtt");
  });

  it("refuses a revoked technician key from then on, across a reboot, and will not revoke the last one", async () => {
    const { clock, dev, results, send, publishRaw, sub } = await setup();
    await send({ command: "key.revoke", args: { keyId: colleague.keyIdHex } });
    await pumpUntil(clock, () => results().length === 1, "the revocation's result");
    dev.reset("external");
    await pumpUntil(clock, () => sub.messages.filter((m) => m.payload === "online").length === 2, "back online after the reset");
    const fromColleague = signCommand(colleague, { device: ID, command: "reboot", args: {} });
    await publishRaw(fromColleague.envelope);
    await send({ command: "key.revoke", args: { keyId: technician.keyIdHex } });
    await pumpUntil(clock, () => results().length === 3, "two more results");

    expect(results()[0]).toMatchObject({ result: "accepted", command: "key.revoke", message: `technician key ${colleague.keyIdHex} revoked; 1 still trusted` });
    expect(results()[1]).toMatchObject({ result: "refused", reason: "revoked-key", keyId: colleague.keyIdHex, nonce: fromColleague.nonce });
    expect(results()[2]).toMatchObject({ result: "refused", reason: "bad-arguments", command: "key.revoke" });
    expect(results()[2]!.message).toContain("is the last technician key this device trusts");
  });

  it("refuses a second ota.start while an update runs, as busy", async () => {
    const { clock, results, send } = await setup();
    const image = await signedBuild("2.0.0");
    const server = await serveImage(image, { stallAfter: 64 * 1024, stallTimes: 1 });
    cleanups.push(() => server.close());
    const args = { url: server.url, version: "2.0.0", sha256: await sha256Of(image) };
    await send({ command: "ota.start", args });
    await pumpUntil(clock, () => results().length === 1, "the first result");
    await send({ command: "ota.start", args });
    await pumpUntil(clock, () => results().length === 2, "the second result");

    expect(results().map((r) => [r.result, r.reason])).toEqual([["accepted", undefined], ["refused", "busy"]]);
  });
});
