/**
 * Real simulated devices for the OTA tools' integration tests: a fleet
 * (sim/fleet) on one embedded broker and a RealClock, running the real
 * firmware with a signing key and a technician key it trusts, and signed
 * images of any version or build fault for it.
 */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import type { BuildFault } from "../../firmware/build-info";
import { parseSemver, type Semver } from "../../firmware/ota/semver";
import { parseTechnicianKey, type TechnicianKey } from "../../host/commands/technician-key";
import { signImage } from "../../host/keys/image-signing";
import { generateKey, parsePrivateKeyPem } from "../../host/keys/key-files";
import { buildSimFirmware } from "../../sim/build/firmware-image";
import { RealClock } from "../../sim/clock/real-clock";
import { startFleet, type Fleet } from "../../sim/fleet/fleet";
import { tempDir } from "./ota-support";

export interface SimFleet {
  readonly fleet: Fleet;
  readonly broker: string;
  readonly dir: string;
  /** The technician key the devices obey. */
  readonly technicianPath: string;
  readonly technician: TechnicianKey;
  /** A signed image of `version` (with `fault`), written to a file. */
  image(version: string, fault?: BuildFault): Promise<string>;
  close(): Promise<void>;
}

export async function startSimFleet(count: number, options: { idPrefix?: string; version?: string; mqtt?: { host: string; port: number } } = {}): Promise<SimFleet> {
  const dir = tempDir();
  const signingKey = generateKey("p256", "integration signing key");
  const signing = parsePrivateKeyPem(signingKey.privatePem, "signing key");
  const technicianKey = generateKey("ed25519", "integration technician");
  const technicianPath = join(dir, "technician.pem");
  writeFileSync(technicianPath, technicianKey.privatePem, { mode: 0o600 });
  const trustedKeys = [signingKey.publicFile];
  const technicianKeys = [technicianKey.publicFile];
  const fleet = await startFleet({
    count,
    clock: new RealClock(),
    idPrefix: options.idPrefix ?? "node",
    version: options.version ?? "1.0.0",
    trustedKeys,
    technicianKeys,
    modbusReceiveTiming: "burst",
    ...(options.mqtt !== undefined ? { mqtt: options.mqtt } : {}),
  });
  return {
    fleet,
    broker: fleet.broker!.url,
    dir,
    technicianPath,
    technician: parseTechnicianKey(technicianKey.privatePem, technicianPath),
    async image(version, fault = "none") {
      const build = await buildSimFirmware({ version, fault, trustedKeys, technicianKeys });
      const image = signImage({ payload: build.image, version: parseSemver(version) as Semver, securityCounter: 0, target: "esp32" }, signing);
      const path = join(dir, `fieldnode-${version}${fault === "none" ? "" : `-${fault}`}.bin`);
      writeFileSync(path, image);
      return path;
    },
    close: () => fleet.close(),
  };
}
