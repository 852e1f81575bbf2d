import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { HEARTBEAT_INTERVAL_MS, TRIAL_MIN_UPTIME_MS } from "../../../firmware/app";
import { openDeviceFlash } from "../../../sim/device/flash-store";
import { factoryDevice, stageUpdate } from "./device-fixture";

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

describe("simulated device", () => {
  it("boots the factory image from ota_0 after the bootloader's delay", async () => {
    const { device, clock, appLines } = await factoryDevice("1.0.0");
    device.powerOn();
    clock.advance(299);
    expect(device.state).toBe("booting");
    clock.advance(1);
    expect(device.state).toBe("running");
    // Blank otadata and no factory app: the bootloader records ota_0 as VALID
    // on first boot (ESP-IDF's set_actual_ota_seq).
    expect(appLines()[0]).toBe("fieldnode 1.0.0 on sim: slot ota_0 (valid), reset reason power-on");
    expect(device.lastBoot).toMatchObject({ count: 1, slot: "ota_0", version: "1.0.0", reason: "power-on" });
  });

  it("blinks the status LED at 1 Hz while the firmware runs", async () => {
    const { device, clock } = await factoryDevice();
    device.powerOn();
    clock.advance(300 + 10_000);
    expect(device.gpio.state(2).transitions).toBe(10_000 / HEARTBEAT_INTERVAL_MS);
  });

  it("stops every firmware callback at the instant power is cut", async () => {
    const { device, clock } = await factoryDevice();
    device.powerOn();
    clock.advance(5_000);
    device.powerCut();
    const blinks = device.gpio.state(2).transitions;
    clock.advance(60_000);
    expect(device.state).toBe("off");
    expect(device.gpio.state(2).transitions).toBe(blinks);
    expect(clock.pending).toBe(0);
  });

  it("runs what the flash holds after a reset, not what ran before", async () => {
    const { device, clock, appLines } = await factoryDevice("1.0.0");
    device.powerOn();
    clock.advance(1_000);
    await stageUpdate(device, { version: "2.0.0" });
    device.reset("software");
    clock.advance(1_000);
    expect(device.lastBoot).toMatchObject({ slot: "ota_1", version: "2.0.0", state: "pending-verify" });
    expect(appLines()).toContain("fieldnode 2.0.0 on sim: slot ota_1 (pending-verify), reset reason software");
  });

  it("abandons an image still on trial at the next reset and boots the previous one", async () => {
    const { device, clock } = await factoryDevice("1.0.0");
    device.powerOn();
    clock.advance(1_000);
    await stageUpdate(device, { version: "2.0.0" });
    device.reset("software");
    clock.advance(1_000);
    device.reset("software"); // 2.0.0 never marked itself valid
    clock.advance(1_000);
    expect(device.lastBoot).toMatchObject({ slot: "ota_0", version: "1.0.0" });
  });

  it("confirms a healthy update after its trial, and keeps it across resets", async () => {
    const { device, clock, appLines } = await factoryDevice("1.0.0");
    device.powerOn();
    clock.advance(1_000);
    await stageUpdate(device, { version: "2.0.0" });
    device.reset("software");
    clock.advance(300 + TRIAL_MIN_UPTIME_MS + 250);
    expect(appLines()).toContain(`trial: health checks passed and ran ${TRIAL_MIN_UPTIME_MS} ms; marking the image valid`);
    device.reset("software");
    clock.advance(1_000);
    expect(device.lastBoot).toMatchObject({ slot: "ota_1", version: "2.0.0", state: "valid" });
  });

  it("rolls back a build that fails its self-test, through mark-invalid-and-reboot", async () => {
    const { device, clock, appLines } = await factoryDevice("1.0.0");
    device.powerOn();
    clock.advance(1_000);
    await stageUpdate(device, { version: "3.0.0", fault: "fail-self-test" });
    device.reset("software");
    clock.advance(2_000);
    expect(appLines()).toContain('trial: health check "build" failed; rolling back to the previous image');
    expect(device.lastBoot).toMatchObject({ slot: "ota_0", version: "1.0.0", reason: "software", state: "valid" });
  });

  it("panics on a build that crashes at boot, and the reboot rolls it back", async () => {
    const { device, clock, chipLines } = await factoryDevice("1.0.0");
    device.powerOn();
    clock.advance(1_000);
    await stageUpdate(device, { version: "3.0.0", fault: "crash-at-boot" });
    device.reset("software");
    clock.advance(2_000);
    expect(chipLines()).toContain(
      "Guru Meditation Error: unhandled JavaScript exception in firmware: Error: deliberate crash at boot (test build)",
    );
    expect(device.lastBoot).toMatchObject({ slot: "ota_0", version: "1.0.0", reason: "panic" });
  });

  it("resets a build that stops feeding the task watchdog, and rolls it back", async () => {
    const { device, clock, chipLines } = await factoryDevice("1.0.0");
    device.powerOn();
    clock.advance(1_000);
    await stageUpdate(device, { version: "3.0.0", fault: "starve-watchdog" });
    device.reset("software");
    clock.advance(300 + 9_999);
    expect(device.lastBoot?.version).toBe("3.0.0");
    clock.advance(1 + 300);
    expect(chipLines().some((l) => l.includes("Task watchdog got triggered"))).toBe(true);
    expect(device.lastBoot).toMatchObject({ version: "1.0.0", reason: "task-watchdog" });
  });

  it("rolls back a confirmed image that then crashes at every boot, after three crashes", async () => {
    const { device, clock, appLines } = await factoryDevice("1.0.0");
    device.powerOn();
    clock.advance(1_000);
    await stageUpdate(device, { version: "4.0.0", fault: "crash-after-trial" });
    device.reset("software");
    clock.advance(300 + TRIAL_MIN_UPTIME_MS + 1_000);
    expect(device.lastBoot).toMatchObject({ version: "4.0.0", state: "pending-verify" });
    clock.advance(3 * 25_000);
    expect(appLines()).toContain("boot-loop: 3 panic resets in a row of 4.0.0 in ota_1");
    expect(device.lastBoot).toMatchObject({ slot: "ota_0", version: "1.0.0" });
  });

  it("keeps a healthy firmware running for a day of virtual time with the watchdog fed", async () => {
    const { device, clock } = await factoryDevice();
    device.powerOn();
    clock.advance(24 * 3600 * 1000);
    expect(device.lastBoot?.count).toBe(1);
    expect(device.state).toBe("running");
  });

  it("boots the same image from the same flash file in a new process", async () => {
    const dir = mkdtempSync(join(tmpdir(), "fieldnode-state-"));
    dirs.push(dir);
    const first = openDeviceFlash(dir, "node-a");
    const a = await factoryDevice("1.2.3", first.flash);
    a.device.powerOn();
    a.clock.advance(1_000);
    a.device.powerCut();
    first.close();

    const second = openDeviceFlash(dir, "node-a");
    const { SimDevice } = await import("../../../sim/device/sim-device");
    const { VirtualClock } = await import("../../../sim/clock/virtual-clock");
    const clock = new VirtualClock();
    const device = new SimDevice({ id: "node-a", clock, flash: second.flash, partitions: a.partitions });
    device.powerOn();
    clock.advance(1_000);
    second.close();
    expect(device.lastBoot).toMatchObject({ slot: "ota_0", version: "1.2.3" });
  });
});
