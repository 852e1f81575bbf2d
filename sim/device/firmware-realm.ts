import vm from "node:vm";
import type { FieldNode } from "../../firmware/app";
import type { Host } from "../../firmware/host/host";

export interface FirmwareEntry {
  start(host: Host): FieldNode;
}

export class FirmwareLoadError extends Error {}

/**
 * Evaluates a firmware build in a fresh JavaScript realm: its own globals, no
 * Node APIs, nothing left over from the image that ran before the reset. Only
 * `trace` is provided, as Moddable provides it on the device.
 */
export function loadFirmware(source: string, filename: string, trace: (line: string) => void): FirmwareEntry {
  const context = vm.createContext(
    {
      trace: (...parts: unknown[]) => {
        const text = parts.map(String).join("");
        for (const line of text.split("\n")) if (line.length > 0) trace(line);
      },
    },
    { name: filename, codeGeneration: { strings: true, wasm: false } },
  );
  let script: vm.Script;
  try {
    script = new vm.Script(`${source}\n;globalThis.fieldnode`, { filename });
  } catch (error) {
    throw new FirmwareLoadError(`image does not compile: ${error instanceof Error ? error.message : String(error)}`);
  }
  const entry = script.runInContext(context) as Partial<FirmwareEntry> | undefined;
  if (entry === undefined || typeof entry.start !== "function") {
    throw new FirmwareLoadError("image has no fieldnode.start entry point; build it with host/build/bundle.ts target 'sim'");
  }
  return entry as FirmwareEntry;
}
