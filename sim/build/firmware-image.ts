import { join } from "node:path";
import type { BuildFault } from "../../firmware/build-info";
import { FIRMWARE_DIR, bundleFirmware, packageVersion, type BuildFacts } from "../../host/build/bundle";
import { buildAppImage } from "../boot/esp-app-image";

export interface FirmwareBuildOptions extends Partial<Omit<BuildFacts, "fault">> {
  fault?: BuildFault;
}

export interface FirmwareBuild {
  version: string;
  fault: BuildFault;
  /** The bundle the simulator evaluates (what XS bytecode is on the chip). */
  source: string;
  /** An ESP-IDF app image carrying it, as it sits in an app partition. */
  image: Uint8Array;
}

const cache = new Map<string, Promise<FirmwareBuild>>();

/**
 * A real firmware build for the simulator: firmware/app.ts bundled for a fresh
 * realm and wrapped in an ESP-IDF app image. What a simulated device runs is
 * always such an image, read back from its flash.
 */
export function buildSimFirmware(options: FirmwareBuildOptions = {}): Promise<FirmwareBuild> {
  const version = options.version ?? packageVersion();
  const fault = options.fault ?? "none";
  // One counter for both: esp_app_desc_t.secure_version and the signed header's.
  const securityCounter = options.securityCounter ?? 0;
  const facts: BuildFacts = { ...options, version, fault, securityCounter };
  const key = JSON.stringify([version, fault, securityCounter, options.target ?? "", options.trustedKeys ?? [], options.technicianKeys ?? []]);
  let build = cache.get(key);
  if (build === undefined) {
    build = (async () => {
      const source = await bundleFirmware({ ...facts, entry: join(FIRMWARE_DIR, "app.ts"), output: "sim" });
      const image = buildAppImage({
        version,
        projectName: "fieldnode",
        secureVersion: securityCounter,
        payload: new TextEncoder().encode(source),
      });
      return { version, fault, source, image };
    })();
    cache.set(key, build);
    build.catch(() => cache.delete(key));
  }
  return build;
}
