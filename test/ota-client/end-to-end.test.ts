/**
 * The OTA path end to end, on a simulated device running real builds: an
 * image signed with the key the provisioned firmware trusts goes in through
 * the device's own triggers (PUT /ota on its HTTP server, or its OTA client
 * downloading from an image server), the device restarts into the trial boot,
 * and the trial either confirms the image or ESP-IDF's rollback returns to
 * the image before it. Device time is virtual (the 15 s soak and the 10 s
 * watchdog cost no wall time); only the HTTP legs use real loopback sockets.
 */
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { TRIAL_MIN_UPTIME_MS } from "../../firmware/app";
import { FIELD } from "../../firmware/ota/image-format";
import {
  BOOT_DELAY_MS,
  RESTART_DELAY_MS,
  otaOutcome,
  partitionDigest,
  partitionRevision,
  putImage,
  runningDevice,
  signedBuild,
  site,
  slotState,
  type E2eDevice,
} from "./e2e-fixture";
import { serveImage, type ImageServer } from "./image-server";

/** The trial's minimum uptime plus one poll of its health checks (every 250 ms). */
const TRIAL_MS = TRIAL_MIN_UPTIME_MS + 250;
/** The task watchdog's period on the simulated chip (CONFIG_ESP_TASK_WDT_TIMEOUT_S). */
const WATCHDOG_MS = 10_000;

const devices: E2eDevice[] = [];
const servers: ImageServer[] = [];
afterEach(async () => {
  // Power off: the firmware's HTTP server and client sockets close with its power domain.
  for (const dev of devices.splice(0)) dev.sim.powerCut();
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

let v1: Uint8Array;
let v2: Uint8Array;
beforeAll(async () => {
  [v1, v2] = await Promise.all([signedBuild("1.0.0"), signedBuild("2.0.0")]);
});

async function device(): Promise<E2eDevice> {
  const dev = await runningDevice("1.0.0");
  devices.push(dev);
  return dev;
}

/** A device updated from 1.0.0 to 2.0.0 through PUT /ota, 2.0.0 confirmed, with a setting stored under it. */
async function deviceOnV2(): Promise<E2eDevice> {
  const dev = await device();
  const answer = await putImage(dev.sim, v2);
  if (answer.status !== 200) throw new Error(`v2 refused: ${JSON.stringify(answer.json)}`);
  dev.clock.advance(RESTART_DELAY_MS + BOOT_DELAY_MS + TRIAL_MS);
  if (dev.sim.lastBoot?.version !== "2.0.0" || dev.sim.imageState() !== "valid") throw new Error("v2 did not confirm");
  dev.sim.app!.settings.set(site, { name: "pump station 7" });
  return dev;
}

/**
 * Pushes a faulty 3.0.0 to a device on 2.0.0 and runs it into its restart,
 * which boots it on trial; returns where its console lines start.
 */
async function installFaulty(dev: E2eDevice, fault: "crash-at-boot" | "fail-self-test" | "starve-watchdog"): Promise<number> {
  const v3 = await signedBuild("3.0.0", { fault });
  const since = dev.lines.length;
  expect(await putImage(dev.sim, v3)).toEqual({ status: 200, json: { result: "installed", version: "3.0.0", restarting: true } });
  dev.clock.advance(RESTART_DELAY_MS + BOOT_DELAY_MS);
  expect(dev.appLines()).toContain("fieldnode 3.0.0 on sim: slot ota_0 (pending-verify), reset reason software");
  return since;
}

/**
 * What every rollback must leave: the bootloader loading ota_1 again, 2.0.0
 * running from it, confirmed, with its settings, and staying up.
 */
function expectBackOnV2(dev: E2eDevice, since: number, reason: string): void {
  const lines = dev.lines.slice(since).map((l) => `${l.source} ${l.text}`);
  const loaded = lines.findLastIndex((l) => /^boot I \(\d+\) boot: Loaded app from partition at offset 0x1f0000$/.test(l));
  expect(loaded).toBeGreaterThan(0);
  expect(lines[loaded + 1]).toBe(`app fieldnode 2.0.0 on sim: slot ota_1 (valid), reset reason ${reason}`);
  expect(dev.sim.lastBoot).toMatchObject({ slot: "ota_1", version: "2.0.0", state: "valid", reason });
  expect(dev.sim.imageState()).toBe("valid");
  expect(dev.sim.app!.settings.get(site)).toEqual({ name: "pump station 7" });
  const boots = dev.sim.lastBoot!.count;
  dev.clock.advance(10 * 60_000);
  expect([dev.sim.state, dev.sim.lastBoot!.count, dev.sim.lastBoot!.version, dev.sim.imageState()]).toEqual(["running", boots, "2.0.0", "valid"]);
}

describe("OTA end to end: updates that succeed", () => {
  it("installs 2.0.0 pushed with PUT /ota, restarts into its trial and confirms it", async () => {
    const dev = await device();
    expect(await putImage(dev.sim, v2)).toEqual({ status: 200, json: { result: "installed", version: "2.0.0", restarting: true } });
    expect(dev.sim.lastBoot).toMatchObject({ slot: "ota_0", version: "1.0.0" });

    dev.clock.advance(RESTART_DELAY_MS + BOOT_DELAY_MS);
    expect(dev.sim.lastBoot).toMatchObject({ count: 2, slot: "ota_1", version: "2.0.0", state: "pending-verify", reason: "software" });
    expect(dev.appLines()).toContain("fieldnode 2.0.0 on sim: slot ota_1 (pending-verify), reset reason software");

    dev.clock.advance(TRIAL_MS);
    expect(dev.appLines()).toContain(`trial: health checks passed and ran ${TRIAL_MIN_UPTIME_MS} ms; marking the image valid`);
    expect(dev.sim.imageState()).toBe("valid");
    expect(slotState(dev, "ota_0")).toBe("valid");
  });

  it("installs 2.0.0 that the device's OTA client downloads from an image server, restarts into its trial and confirms it", async () => {
    const dev = await device();
    const server = await serveImage(v2);
    servers.push(server);
    const client = dev.sim.app!.ota;
    const outcome = otaOutcome(client);
    expect(client.startDownload({ url: server.url })).toBeUndefined();
    expect(await outcome).toMatchObject({ state: "rebooting", version: "2.0.0", bytes: v2.length, total: v2.length, percent: 100, attempt: 1 });
    expect(server.ranges).toEqual([""]);

    dev.clock.advance(RESTART_DELAY_MS + BOOT_DELAY_MS);
    expect(dev.sim.lastBoot).toMatchObject({ count: 2, slot: "ota_1", version: "2.0.0", state: "pending-verify", reason: "software" });
    dev.clock.advance(TRIAL_MS);
    expect(dev.sim.imageState()).toBe("valid");
  });
});

describe("OTA end to end: a faulty 3.0.0 installed through PUT /ota is rolled back to 2.0.0", () => {
  it("rolls back a build that crashes at boot: the panic reset finds it still pending verification", async () => {
    const dev = await deviceOnV2();
    const since = await installFaulty(dev, "crash-at-boot");
    expect(dev.chipLines()).toContain("Guru Meditation Error: unhandled JavaScript exception in firmware: Error: deliberate crash at boot (test build)");
    dev.clock.advance(BOOT_DELAY_MS);
    expect(dev.bootLines()).toContain("D (75) boot: otadata[0] is marking as ABORTED");
    expect(slotState(dev, "ota_0")).toBe("aborted");
    expectBackOnV2(dev, since, "panic");
  });

  it("rolls back a build that fails its self-test: the trial marks it invalid and reboots", async () => {
    const dev = await deviceOnV2();
    const since = await installFaulty(dev, "fail-self-test");
    expect(dev.appLines()).toContain('trial: health check "build" failed; rolling back to the previous image');
    dev.clock.advance(BOOT_DELAY_MS);
    expect(slotState(dev, "ota_0")).toBe("invalid");
    expectBackOnV2(dev, since, "software");
  });

  it("rolls back a build that starves the task watchdog: the watchdog reset finds it still pending verification", async () => {
    const dev = await deviceOnV2();
    const since = await installFaulty(dev, "starve-watchdog");
    expect(dev.sim.lastBoot).toMatchObject({ slot: "ota_0", version: "3.0.0", state: "pending-verify" });
    dev.clock.advance(WATCHDOG_MS);
    expect(dev.chipLines()).toContain("E task_wdt: Task watchdog got triggered. The following tasks/users did not reset the watchdog in time: - fieldnode (user)");
    dev.clock.advance(BOOT_DELAY_MS);
    expect(dev.bootLines()).toContain("D (75) boot: otadata[0] is marking as ABORTED");
    expect(slotState(dev, "ota_0")).toBe("aborted");
    expectBackOnV2(dev, since, "task-watchdog");
  });
});

describe("OTA end to end: images refused through PUT /ota", () => {
  /** Pushes `image` to a device on 2.0.0, noting beforehand what the inactive slot (ota_0) and otadata hold. */
  async function refusedPush(image: Uint8Array) {
    const dev = await deviceOnV2();
    const slot = { digest: partitionDigest(dev, "ota_0"), revision: partitionRevision(dev, "ota_0") };
    const otadata = partitionDigest(dev, "otadata");
    const answer = await putImage(dev.sim, image);
    return { dev, answer, slot, otadata };
  }

  it("refuses an image with one flipped header byte (BAD_SIGNATURE) before erasing or writing anything in the inactive slot", async () => {
    const tampered = v2.slice();
    tampered[FIELD.versionMinor]! ^= 0x01;
    const { dev, answer, slot } = await refusedPush(tampered);
    expect(answer).toEqual({ status: 422, json: { error: "BAD_SIGNATURE", message: expect.stringMatching(/^header signature does not verify under key [0-9a-f]{16}$/) } });
    expect(partitionRevision(dev, "ota_0")).toBe(slot.revision);
    expect(partitionDigest(dev, "ota_0")).toBe(slot.digest);
    expect(dev.sim.app!.ota.status).toMatchObject({ state: "failed", error: { code: "BAD_SIGNATURE" } });
  });

  it("refuses a downgrade to 1.0.0 (DOWNGRADE) before erasing or writing anything in the inactive slot", async () => {
    const { dev, answer, slot } = await refusedPush(v1);
    expect(answer).toEqual({ status: 422, json: { error: "DOWNGRADE", message: "version 1.0.0 is older than the running 2.0.0 (downgrades must be allowed explicitly)" } });
    expect(partitionRevision(dev, "ota_0")).toBe(slot.revision);
    expect(partitionDigest(dev, "ota_0")).toBe(slot.digest);
  });

  it("refuses an image with one flipped payload byte (CRC_MISMATCH) once the stream ends, and never switches the boot partition", async () => {
    const tampered = v2.slice();
    tampered[tampered.length - 5_000]! ^= 0x01;
    const { dev, answer, slot, otadata } = await refusedPush(tampered);
    expect(answer).toEqual({ status: 422, json: { error: "CRC_MISMATCH", message: expect.stringMatching(/^payload CRC-32 [0-9a-f]{8}, header says [0-9a-f]{8}$/) } });
    // A streamed payload is only known bad at its end, so the inactive slot was staged (erased and
    // written) before the refusal; what protects the device is that nothing reached otadata.
    expect(partitionRevision(dev, "ota_0")).not.toBe(slot.revision);
    expect(partitionDigest(dev, "otadata")).toBe(otadata);
    dev.clock.advance(RESTART_DELAY_MS + BOOT_DELAY_MS);
    expect(dev.sim.lastBoot?.count).toBe(2);
    dev.sim.reset("software");
    dev.clock.advance(BOOT_DELAY_MS);
    expect(dev.sim.lastBoot).toMatchObject({ count: 3, slot: "ota_1", version: "2.0.0", state: "valid" });
  });
});
