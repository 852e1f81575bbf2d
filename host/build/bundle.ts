import * as esbuild from "esbuild";
import { createRequire } from "node:module";
import { fileURLToPath } from "node:url";
import type { BuildFault } from "../../firmware/build-info";

export const PROJECT_ROOT = fileURLToPath(new URL("../../", import.meta.url));
export const FIRMWARE_DIR = fileURLToPath(new URL("../../firmware/", import.meta.url));

/** The version in package.json: what an unqualified build calls itself. */
export function packageVersion(): string {
  const pkg = createRequire(import.meta.url)("../../package.json") as { version: string };
  return pkg.version;
}

/**
 * Module specifiers the Moddable toolchain provides on the device. They stay
 * imports in the device bundle, for mcconfig to link, and must never appear in
 * a bundle meant for the simulator.
 */
export function isModdableSpecifier(specifier: string): boolean {
  return /^(embedded:|mc\/|timer$|time$|crypt$|ec$|ecp$|flash$|preference$|net$|wifi$|sntp$)/.test(specifier);
}

/** The board this firmware is built for; signed images must name it, or its chip alone. */
export const DEFAULT_TARGET = "esp32/fieldnode";

/** Facts fixed into an image when it is built. */
export interface BuildFacts {
  version: string;
  fault?: BuildFault;
  target?: string;
  /** This build's anti-rollback counter; confirming it raises the device's floor. */
  securityCounter?: number;
  /** Public key files (`fieldnode keygen` *.pub) whose signatures the OTA client accepts. */
  trustedKeys?: readonly string[];
  /** Ed25519 public key files whose signed commands (update, reboot, configure) the device obeys. */
  technicianKeys?: readonly string[];
}

/** The esbuild `define` for firmware/build-info.ts: one list for every bundle, test and tool. */
export function firmwareDefines(facts: BuildFacts): Record<string, string> {
  return {
    __FIELDNODE_VERSION__: JSON.stringify(facts.version),
    __FIELDNODE_BUILD_FAULT__: JSON.stringify(facts.fault ?? "none"),
    __FIELDNODE_TARGET__: JSON.stringify(facts.target ?? DEFAULT_TARGET),
    __FIELDNODE_SECURITY_COUNTER__: String(facts.securityCounter ?? 0),
    __FIELDNODE_TRUSTED_KEYS__: JSON.stringify(facts.trustedKeys ?? []),
    __FIELDNODE_TECHNICIAN_KEYS__: JSON.stringify(facts.technicianKeys ?? []),
  };
}

export interface FirmwareBundleOptions extends BuildFacts {
  entry: string;
  /** "device": an ES module for mcconfig; "sim": a script exposing `fieldnode` for a fresh realm. */
  output: "device" | "sim";
  minify?: boolean;
}

/**
 * Bundles firmware code the same way for both hosts: no Node built-ins may be
 * pulled in (the build fails naming the import), and build facts are fixed
 * with `define` so they cannot disagree with the image they are built into.
 */
export async function bundleFirmware(options: FirmwareBundleOptions): Promise<string> {
  const forbidNode: esbuild.Plugin = {
    name: "fieldnode-portability",
    setup(build) {
      build.onResolve({ filter: /.*/ }, (args) => {
        if (args.kind === "entry-point") return undefined;
        if (args.path.startsWith("node:") || NODE_BUILTINS.has(args.path.split("/")[0]!)) {
          return { errors: [{ text: `firmware imports the Node module "${args.path}", which the device does not have (from ${args.importer}); keep Node code in sim/ or host/` }] };
        }
        if (isModdableSpecifier(args.path)) {
          if (options.output === "device") return { path: args.path, external: true };
          return { errors: [{ text: `"${args.path}" is a Moddable module; only firmware/platform/esp32 and firmware/main.ts may import it (from ${args.importer})` }] };
        }
        return undefined;
      });
    },
  };
  const result = await esbuild.build({
    entryPoints: [options.entry],
    bundle: true,
    write: false,
    platform: "neutral",
    target: "es2022",
    format: options.output === "device" ? "esm" : "iife",
    ...(options.output === "sim" ? { globalName: "fieldnode" } : {}),
    minify: options.minify ?? false,
    legalComments: "none",
    charset: "utf8",
    logLevel: "silent",
    define: firmwareDefines(options),
    plugins: [forbidNode],
  });
  return result.outputFiles[0]!.text;
}

const NODE_BUILTINS = new Set([
  "assert", "buffer", "child_process", "crypto", "dgram", "dns", "events", "fs", "http", "https", "module",
  "net", "os", "path", "perf_hooks", "process", "readline", "stream", "string_decoder", "timers", "tls",
  "tty", "url", "util", "vm", "worker_threads", "zlib",
]);
