import vm from "node:vm";
import type { FieldNode } from "../../firmware/app";
import type { Host } from "../../firmware/host/host";

export interface FirmwareEntry {
  start(host: Host): FieldNode;
}

export class FirmwareLoadError extends Error {}

/**
 * Compiled images by source. A vm.Script is not bound to a context, so every
 * realm that runs the same image shares its parse and bytecode instead of
 * compiling 220 KB again per device and per boot; only the objects the image
 * creates are per realm. A few entries cover a fleet mid-rollout (old and new
 * version) without keeping every build a long test run made.
 */
const compiled = new Map<string, vm.Script>();
const MAX_COMPILED = 4;

function compile(source: string, filename: string): vm.Script {
  const cached = compiled.get(source);
  if (cached !== undefined) {
    compiled.delete(source);
    compiled.set(source, cached);
    return cached;
  }
  let script: vm.Script;
  try {
    script = new vm.Script(`${source}\n;globalThis.fieldnode`, { filename });
  } catch (error) {
    throw new FirmwareLoadError(`image does not compile: ${error instanceof Error ? error.message : String(error)}`);
  }
  compiled.set(source, script);
  if (compiled.size > MAX_COMPILED) compiled.delete(compiled.keys().next().value!);
  return script;
}

/**
 * Compiles an image ahead of its first boot under a name of its own: the
 * devices that then load it share this compilation, and their stack traces
 * name the build rather than whichever device happened to boot it first.
 */
export function precompileFirmware(source: string, filename: string): void {
  compile(source, filename);
}

/**
 * Evaluates a firmware build in a fresh JavaScript realm: its own globals, no
 * Node APIs, nothing left over from the image that ran before the reset. Only
 * `trace` is provided, as Moddable provides it on the device.
 *
 * Devices running the same image share one compilation, so stack traces name
 * the `filename` it was first compiled under (see precompileFirmware).
 */
export function loadFirmware(source: string, filename: string, trace: (line: string) => void): FirmwareEntry {
  const script = compile(source, filename);
  const context = vm.createContext(
    {
      trace: (...parts: unknown[]) => {
        const text = parts.map(String).join("");
        for (const line of text.split("\n")) if (line.length > 0) trace(line);
      },
    },
    { name: filename, codeGeneration: { strings: true, wasm: false } },
  );
  const entry = script.runInContext(context) as Partial<FirmwareEntry> | undefined;
  if (entry === undefined || typeof entry.start !== "function") {
    throw new FirmwareLoadError("image has no fieldnode.start entry point; build it with host/build/bundle.ts target 'sim'");
  }
  return entry as FirmwareEntry;
}
