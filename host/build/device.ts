/**
 * `npm run build`: the device bundle mcconfig compiles to XS bytecode, one ES
 * module with Moddable's own modules (embedded:*, timer, time, mc/ffi) left
 * as imports for mcconfig to link; manifest.json names its output.
 * `npm run build -- --sim` writes instead an app image for the simulator
 * (an ESP-IDF app image whose payload is the firmware bundle), the payload a
 * technician signs and pushes to a simulated device.
 */
import { mkdir, readFile, writeFile } from "node:fs/promises";
import { dirname, isAbsolute, join, relative } from "node:path";
import { parseArgs } from "node:util";
import { parseSemver } from "../../firmware/ota/semver";
import { parsePublicKeyFile } from "../../firmware/ota/public-key-file";
import { TrustStore } from "../../firmware/ota/trust-store";
import { createNodeCrypto } from "../../sim/crypto/node-crypto";
import type { BuildFault } from "../../firmware/build-info";
import { FIRMWARE_DIR, PROJECT_ROOT, bundleFirmware, packageVersion, type BuildFacts } from "./bundle";

export const DEVICE_BUNDLE = join(PROJECT_ROOT, "build", "device", "main.js");

export async function buildDevice(
  version = packageVersion(),
  outFile = DEVICE_BUNDLE,
  facts: Omit<BuildFacts, "version"> = {},
): Promise<{ path: string; bytes: number }> {
  const code = await bundleFirmware({ ...facts, version, entry: join(FIRMWARE_DIR, "main.ts"), output: "device" });
  await mkdir(dirname(outFile), { recursive: true });
  await writeFile(outFile, code);
  return { path: outFile, bytes: Buffer.byteLength(code) };
}

/** A path as the user would want to read it: relative when inside the working directory. */
function shown(path: string): string {
  const rel = relative(process.cwd(), path);
  return rel.startsWith("..") || isAbsolute(rel) ? path : rel;
}

const USAGE = `usage: npm run build -- [--version X.Y.Z] [--trust KEY.pub]... [--technician KEY.pub]... [--target T] [--security-counter N] [--sim [--fault F]] [--out FILE]

  --version X.Y.Z         firmware version (default: package.json's)
  --trust KEY.pub         a public key (fieldnode keygen) whose signed images the device accepts; repeat to trust several
  --technician KEY.pub    an Ed25519 public key (fieldnode keygen --type ed25519) whose signed commands the device obeys; repeat for several
  --target T              board this build is for (default esp32/fieldnode)
  --security-counter N    this build's anti-rollback counter (default 0)
  --sim                   write a simulator app image instead of the device bundle
  --fault F               with --sim, a deliberately broken test build, to rehearse a rollback:
                          crash-at-boot, fail-self-test, starve-watchdog or crash-after-trial
  --out FILE              where to write (default build/device/main.js, or build/sim/fieldnode-X.Y.Z.bin)
`;

/** The .pub files' texts, or the exit status after saying what is wrong. */
async function readPublicKeys(flag: string, files: readonly string[], algorithm?: "ed25519"): Promise<string[] | number> {
  const texts: string[] = [];
  for (const file of files) {
    let text: string;
    try {
      text = await readFile(file, "utf8");
    } catch (error) {
      console.error(`npm run build: cannot read ${flag} ${file}: ${error instanceof Error ? error.message : String(error)}`);
      return 3;
    }
    try {
      const key = parsePublicKeyFile(text);
      // What the device's trust store would refuse at boot (a point off the
      // curve, a small-order Ed25519 key) is refused here, before it is built in.
      new TrustStore(createNodeCrypto()).add(key);
      if (algorithm !== undefined && key.algorithm !== algorithm) {
        console.error(`npm run build: ${flag} ${file} is an ${key.algorithm} key; technician keys are Ed25519: make one with fieldnode keygen --type ed25519`);
        return 2;
      }
    } catch (error) {
      console.error(`npm run build: ${flag} ${file}: ${error instanceof Error ? error.message : String(error)}; pass the .pub file fieldnode keygen wrote`);
      return 2;
    }
    texts.push(text);
  }
  return texts;
}

async function main(argv: string[]): Promise<number> {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        version: { type: "string" },
        trust: { type: "string", multiple: true },
        technician: { type: "string", multiple: true },
        target: { type: "string" },
        "security-counter": { type: "string" },
        sim: { type: "boolean" },
        fault: { type: "string" },
        out: { type: "string" },
        help: { type: "boolean", short: "h" },
      },
    }));
  } catch (error) {
    console.error(`npm run build: ${error instanceof Error ? error.message : String(error)}\n\n${USAGE}`);
    return 2;
  }
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  const version = values.version ?? packageVersion();
  if (typeof parseSemver(version) === "string") {
    console.error(`npm run build: --version "${version}" is not a semantic version like 1.2.3`);
    return 2;
  }
  const counter = values["security-counter"] === undefined ? 0 : Number(values["security-counter"]);
  if (!Number.isInteger(counter) || counter < 0 || counter > 0xffffffff) {
    console.error(`npm run build: --security-counter must be a whole number from 0 to 4294967295`);
    return 2;
  }
  const trustedKeys = await readPublicKeys("--trust", values.trust ?? []);
  if (typeof trustedKeys === "number") return trustedKeys;
  const technicianKeys = await readPublicKeys("--technician", values.technician ?? [], "ed25519");
  if (typeof technicianKeys === "number") return technicianKeys;
  const facts = { trustedKeys, technicianKeys, securityCounter: counter, ...(values.target ? { target: values.target } : {}) };
  if (trustedKeys.length === 0) console.warn("warning: no --trust key: this build will refuse every OTA update");
  if (technicianKeys.length === 0) console.warn("warning: no --technician key: this build will refuse every MQTT command (updates by HTTP PUT still work)");

  const faults: readonly BuildFault[] = ["crash-at-boot", "fail-self-test", "starve-watchdog", "crash-after-trial"];
  if (values.fault !== undefined && !values.sim) {
    console.error("npm run build: --fault makes simulator test builds only; add --sim");
    return 2;
  }
  if (values.fault !== undefined && !(faults as readonly string[]).includes(values.fault)) {
    console.error(`npm run build: --fault "${values.fault}" is not one of ${faults.join(", ")}`);
    return 2;
  }
  if (values.sim) {
    const { buildSimFirmware } = await import("../../sim/build/firmware-image");
    const fault = values.fault as BuildFault | undefined;
    const build = await buildSimFirmware({ version, ...facts, ...(fault ? { fault } : {}) });
    const out = values.out ?? join(PROJECT_ROOT, "build", "sim", `fieldnode-${version}.bin`);
    await mkdir(dirname(out), { recursive: true });
    await writeFile(out, build.image);
    console.log(`fieldnode ${version}: wrote ${shown(out)} (${build.image.length}-byte simulator app image${fault ? `, test build: ${fault}` : ""})`);
    console.log(`next: npx fieldnode sign --key KEY.pem --version ${version} ${shown(out)} --out IMAGE`);
    return 0;
  }
  const { path, bytes } = await buildDevice(version, values.out ?? DEVICE_BUNDLE, facts);
  console.log(`fieldnode ${version}: wrote ${shown(path)} (${bytes} bytes)`);
  console.log("next: npm run flash (needs the Moddable SDK and ESP-IDF; see README)");
  return 0;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  main(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
    },
    (error: unknown) => {
      console.error(`build failed: ${error instanceof Error ? error.message : String(error)}`);
      process.exitCode = 1;
    },
  );
}
