import type { BootControl } from "../../firmware/boot/boot-control";
import { OtaClient, type OtaClientOptions, type OtaStatus } from "../../firmware/ota/ota-client";
import { parseSemver, type Semver } from "../../firmware/ota/semver";
import { TrustStore } from "../../firmware/ota/trust-store";
import { signImage } from "../../host/keys/image-signing";
import { generateKey, parsePrivateKeyPem } from "../../host/keys/key-files";
import { parsePublicKeyFile } from "../../firmware/ota/public-key-file";
import { Bootloader } from "../../sim/boot/bootloader";
import "../../sim/boot/node-image-hash";
import { loadDevicePartitionTable } from "../../sim/boot/device-partition-table";
import { buildAppImage } from "../../sim/boot/esp-app-image";
import { OtaOps } from "../../sim/boot/ota-ops";
import { RealClock } from "../../sim/clock/real-clock";
import { createNodeCrypto } from "../../sim/crypto/node-crypto";
import { PowerDomain } from "../../sim/device/power-domain";
import { provisionFactoryImage } from "../../sim/device/provision";
import { NorFlash } from "../../sim/flash/nor-flash";
import { createFlashStorage } from "../../sim/io/flash-storage";
import { createTimerService } from "../../sim/io/timer";
import { createUpdateModule } from "../../sim/io/update";
import { createHttpClientClass } from "../../sim/net/http-client";

export const TARGET = "esp32/fieldnode";
const semver = (text: string) => parseSemver(text) as Semver;

/** The signing key every test image is signed with, and the one the device trusts. */
const key = generateKey("p256", "test");
const signingKey = parsePrivateKeyPem(key.privatePem, "test key");
const crypto = createNodeCrypto();

/** The public key file of the test signing key, as a build's trusted-keys list takes it (real firmware builds). */
export const TRUSTED_KEY_FILE: string = key.publicFile;

/** `payload` (an ESP-IDF app image) as a signed OTA image, signed with the test key. */
export function sign(payload: Uint8Array, version: string, options: { securityCounter?: number; target?: string } = {}): Uint8Array {
  return signImage({ payload, version: semver(version), securityCounter: options.securityCounter ?? 0, target: options.target ?? TARGET }, signingKey);
}

/** A signed image whose payload is an ESP-IDF app image of `payloadBytes` bytes. */
export function signedImage(version: string, options: { payloadBytes?: number; securityCounter?: number; target?: string } = {}): Uint8Array {
  const app = buildAppImage({
    version,
    projectName: "fieldnode",
    secureVersion: 0,
    payload: new Uint8Array(options.payloadBytes ?? 300_000).map((_, i) => (i * 31 + version.length) & 0xff),
  });
  return sign(app, version, options);
}

/** A device running 1.0.0 from ota_0 (valid), with everything the OTA client takes from its host. */
export function device() {
  const table = loadDevicePartitionTable();
  const flash = new NorFlash({ size: 4 * 1024 * 1024 });
  provisionFactoryImage(flash, table, buildAppImage({ version: "1.0.0", projectName: "fieldnode", secureVersion: 0, payload: new Uint8Array(5000) }));
  new Bootloader(flash, table).boot();
  return { table, flash, ota1: table.find("ota_1")! };
}

export type Device = ReturnType<typeof device>;

/** One boot of `dev`: an OTA client on the host models, with its log and status history. */
export function boot(dev: Device, overrides: Partial<OtaClientOptions> = {}) {
  const clock = new RealClock();
  const domain = new PowerDomain((error) => {
    throw error;
  });
  const running = new Bootloader(dev.flash, dev.table).boot().slot;
  const ops = new OtaOps(dev.flash, dev.table, { rollback: true, running });
  const restarts: number[] = [];
  const bootControl: BootControl = {
    runningSlot: () => running.name,
    imageState: () => ops.getStatePartition(running),
    slotState: (slot) => ops.slotState(slot),
    markValid: () => ops.markAppValidCancelRollback(),
    markInvalidAndReboot: () => {},
    restart: () => restarts.push(clock.now()),
    resetReason: () => "power-on",
    feedWatchdog: () => {},
  };
  const log: string[] = [];
  const statuses: OtaStatus[] = [];
  const client = new OtaClient({
    boot: bootControl,
    flash: createFlashStorage(dev.flash, dev.table, { running: () => ops.getRunningPartition(), nextUpdate: () => ops.getNextUpdatePartition() }, domain),
    update: createUpdateModule(() => ops, domain),
    http: createHttpClientClass(domain),
    timer: createTimerService(clock, domain),
    crypto,
    trust: new TrustStore(crypto, [parsePublicKeyFile(key.publicFile)]),
    log: (line) => log.push(line),
    target: TARGET,
    currentVersion: "1.0.0",
    minSecurityCounter: 0,
    stallMs: 300,
    retryBaseMs: 20,
    restartDelayMs: 10,
    ...overrides,
  });
  client.onStatus((status) => statuses.push({ ...status, error: status.error && { ...status.error } }));
  /** Resolves when the client stops being busy: rebooting or failed. */
  const settled = () =>
    new Promise<OtaStatus>((resolve) => {
      const poll = setInterval(() => {
        if (!client.busy) {
          clearInterval(poll);
          setTimeout(() => resolve({ ...client.status }), 30);
        }
      }, 5);
    });
  const nextBoot = () => {
    const selection = new Bootloader(dev.flash, dev.table).boot();
    return { slot: selection.slot.name, version: selection.image.descriptor.version, state: selection.state };
  };
  return { client, log, statuses, restarts, settled, nextBoot, domain };
}
