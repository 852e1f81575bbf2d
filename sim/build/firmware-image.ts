import { join } from "node:path";
import type { BuildFault } from "../../firmware/build-info";
import { FIRMWARE_DIR, bundleFirmware, packageVersion } from "../../host/build/bundle";
import { buildAppImage } from "../boot/esp-app-image";

export interface FirmwareBuildOptions {
  version?: string;
  fault?: BuildFault;
  /** esp_app_desc_t.secure_version: the anti-rollback counter. */
  secureVersion?: number;
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
  const secureVersion = options.secureVersion ?? 0;
  const key = `${version}|${fault}|${secureVersion}`;
  let build = cache.get(key);
  if (build === undefined) {
    build = (async () => {
      const source = await bundleFirmware({ entry: join(FIRMWARE_DIR, "app.ts"), version, fault, target: "sim" });
      const image = buildAppImage({
        version,
        projectName: "fieldnode",
        secureVersion,
        payload: new TextEncoder().encode(source),
      });
      return { version, fault, source, image };
    })();
    cache.set(key, build);
    build.catch(() => cache.delete(key));
  }
  return build;
}
