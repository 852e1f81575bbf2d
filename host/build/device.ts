/**
 * `npm run build`: the device bundle mcconfig compiles to XS bytecode.
 * One ES module, firmware/main.ts and everything it imports, with Moddable's
 * own modules (embedded:*, timer, time, mc/ffi) left as imports for mcconfig
 * to link. manifest.json names its output.
 */
import { mkdir, writeFile } from "node:fs/promises";
import { dirname, join, relative } from "node:path";
import { FIRMWARE_DIR, PROJECT_ROOT, bundleFirmware, packageVersion } from "./bundle";

export const DEVICE_BUNDLE = join(PROJECT_ROOT, "build", "device", "main.js");

export async function buildDevice(version = packageVersion(), outFile = DEVICE_BUNDLE): Promise<{ path: string; bytes: number }> {
  const code = await bundleFirmware({ entry: join(FIRMWARE_DIR, "main.ts"), version, target: "device" });
  await mkdir(dirname(outFile), { recursive: true });
  await writeFile(outFile, code);
  return { path: outFile, bytes: Buffer.byteLength(code) };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const version = process.argv[2] ?? packageVersion();
  buildDevice(version).then(
    ({ path, bytes }) => {
      console.log(`fieldnode ${version}: wrote ${relative(PROJECT_ROOT, path)} (${bytes} bytes)`);
      console.log("next: npm run flash (needs the Moddable SDK and ESP-IDF; see README)");
    },
    (error: unknown) => {
      console.error(`build failed: ${error instanceof Error ? error.message : String(error)}`);
      process.exitCode = 1;
    },
  );
}
