/**
 * End-to-end OTA on a simulated device: real firmware builds (firmware/app.ts
 * bundled into ESP-IDF app images), signed with the test key that the
 * provisioned image trusts, delivered through the device's own triggers (its
 * HTTP server's PUT /ota, or its OTA client downloading a URL). Time on the
 * device is virtual; the HTTP legs are real loopback sockets, so the helpers
 * that wait for them wait on Node's event loop, never on the virtual clock.
 */
import { createHash } from "node:crypto";
import http from "node:http";
import type { BuildFault } from "../../firmware/build-info";
import type { ImageState } from "../../firmware/boot/boot-control";
import type { SettingsSection } from "../../firmware/config/settings";
import type { OtaClient, OtaStatus } from "../../firmware/ota/ota-client";
import { loadDevicePartitionTable } from "../../sim/boot/device-partition-table";
import { OtaOps } from "../../sim/boot/ota-ops";
import { buildSimFirmware } from "../../sim/build/firmware-image";
import { VirtualClock } from "../../sim/clock/virtual-clock";
import { FLASH_SIZE } from "../../sim/device/flash-store";
import { provisionFactoryImage } from "../../sim/device/provision";
import { SimDevice, type ConsoleLine } from "../../sim/device/sim-device";
import { NorFlash } from "../../sim/flash/nor-flash";
import { sign, TRUSTED_KEY_FILE } from "./fixture";

export const partitions = loadDevicePartitionTable();

/** Every build made here trusts the test signing key (test/ota-client/fixture.ts). */
export const trustedKeys: readonly string[] = [TRUSTED_KEY_FILE];

/** OtaClient's default restartDelayMs: from "installed" to esp_restart. */
export const RESTART_DELAY_MS = 1_000;
/** SimDevice's default bootDelayMs: ROM and second-stage bootloader before the app starts. */
export const BOOT_DELAY_MS = 300;

/** A real firmware build trusting the test key, signed with it as an OTA image. */
export async function signedBuild(version: string, options: { fault?: BuildFault; securityCounter?: number } = {}): Promise<Uint8Array> {
  const securityCounter = options.securityCounter ?? 0;
  const build = await buildSimFirmware({ version, fault: options.fault ?? "none", securityCounter, trustedKeys });
  return sign(build.image, version, { securityCounter });
}

/** A configuration section of no capability, so a test can prove the settings partition survives. */
export const site: SettingsSection<{ name: string }> = {
  name: "site",
  defaults: { name: "" },
  validate: (v) => ({ name: String((v as { name?: unknown }).name ?? "") }),
};

export interface E2eDevice {
  sim: SimDevice;
  clock: VirtualClock;
  flash: NorFlash;
  /** Every console line since power-on (SimDevice.console keeps only the recent ones). */
  lines: ConsoleLine[];
  appLines(): string[];
  chipLines(): string[];
  bootLines(): string[];
}

/** A factory-fresh device provisioned with `version` (trusting the test key), powered on and running on virtual time. */
export async function runningDevice(version = "1.0.0", id = "e2e"): Promise<E2eDevice> {
  const flash = new NorFlash({ size: FLASH_SIZE });
  provisionFactoryImage(flash, partitions, (await buildSimFirmware({ version, trustedKeys })).image);
  const clock = new VirtualClock();
  const sim = new SimDevice({ id, clock, flash, partitions });
  const lines: ConsoleLine[] = [];
  sim.onConsole((line) => lines.push(line));
  sim.powerOn();
  clock.advance(1_000);
  const of = (source: ConsoleLine["source"]) => () => lines.filter((l) => l.source === source).map((l) => l.text);
  return { sim, clock, flash, lines, appLines: of("app"), chipLines: of("chip"), bootLines: of("boot") };
}

/** The rollback state otadata records for an app slot (the running one or not). */
export function slotState(dev: E2eDevice, slot: string): ImageState {
  const running = partitions.find(dev.sim.lastBoot!.slot)!;
  return new OtaOps(dev.flash, partitions, { rollback: true, running }).getStatePartition(partitions.find(slot)!);
}

/**
 * The flash's revision of a partition's range: it changes with every erase
 * or write that reaches any byte of it, so an unchanged revision proves that
 * nothing at all was erased or written there (other partitions aside).
 */
export function partitionRevision(dev: E2eDevice, name: string): number {
  const entry = partitions.find(name)!;
  return dev.flash.revision(entry.offset, entry.size);
}

/**
 * The SHA-256 (hex) of a partition's bytes as the flash holds them now: an
 * exact comparison of two megabytes that fails readably (vitest's deep
 * equality on arrays that size takes seconds).
 */
export function partitionDigest(dev: E2eDevice, name: string): string {
  const entry = partitions.find(name)!;
  const hash = createHash("sha256");
  dev.flash.visit(entry.offset, entry.size, (chunk) => hash.update(chunk));
  return hash.digest("hex");
}

/**
 * The host port of the firmware's HTTP server (device port 80). The server
 * binds a real socket at every boot, asynchronously, so this waits on Node's
 * event loop until that boot's listener is up.
 */
export async function otaPort(sim: SimDevice, timeoutMs = 5_000): Promise<number> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const port = sim.hostPort(80);
    if (port !== undefined) return port;
    if (Date.now() > deadline) throw new Error(`device ${sim.id} did not bind its port 80 within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 1));
  }
}

export interface HttpAnswer {
  status: number;
  json: Record<string, unknown>;
}

/** One HTTP request to the device's endpoint over loopback; the body, if any, sent whole with its Content-Length. */
export function request(port: number, method: string, path: string, body?: Uint8Array): Promise<HttpAnswer> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: "127.0.0.1", port, method, path }, (res) => {
      let text = "";
      res.on("data", (c: Buffer) => (text += c.toString()));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, json: JSON.parse(text) as Record<string, unknown> }));
    });
    req.on("error", reject);
    req.end(body === undefined ? undefined : Buffer.from(body.buffer, body.byteOffset, body.byteLength));
  });
}

/** `curl -T image http://device/ota`: the device's own trigger for a pushed update. */
export async function putImage(sim: SimDevice, image: Uint8Array): Promise<HttpAnswer> {
  return request(await otaPort(sim), "PUT", "/ota", image);
}

/** The client's first status that ends an update: "rebooting" (installed) or "failed". */
export function otaOutcome(client: OtaClient): Promise<OtaStatus> {
  return new Promise((resolve) => {
    const stop = client.onStatus((status) => {
      if (status.state !== "rebooting" && status.state !== "failed") return;
      stop();
      resolve({ ...status, error: status.error && { ...status.error } });
    });
  });
}
