/**
 * The reference run: the bundle in a fresh V8 context that holds only the
 * language built-ins plus `print` (no process, Buffer, setTimeout,
 * TextEncoder, console), so code that leans on Node fails here as it would
 * on XS.
 */
import * as vm from "node:vm";
import { parseReport, wrapBundle } from "./engine-protocol";
import type { Results } from "./results";

export interface EngineRunOptions {
  /** Receives each line the script prints or traces; discarded by default. */
  onPrint?: (line: string) => void;
  /** Wall-clock limit for the whole run (a hung engine must not hang the suite). */
  timeoutMs?: number;
}

export const DEFAULT_ENGINE_TIMEOUT_MS = 60_000;

const V8_ONLY_GLOBALS = ["console", "Intl", "WebAssembly"];

export async function runOnNode(script: string, options: EngineRunOptions = {}): Promise<Results> {
  const onPrint = options.onPrint ?? (() => {});
  const messages: string[] = [];
  // "afterEvaluate" gives the context its own job queue, drained before
  // runInContext returns and inside its timeout: the same contract as xsnap's
  // evaluate, and an endless promise loop times out instead of hanging vitest.
  const context = vm.createContext({}, { microtaskMode: "afterEvaluate" });
  // V8 puts these in every context; XS has none of them, so code using them
  // should fail here too rather than only on the device.
  vm.runInContext(V8_ONLY_GLOBALS.map((name) => `delete globalThis.${name};`).join(""), context);
  Object.assign(context, {
    // Same shape as xsnap's print: arguments joined by spaces, one line.
    print: (...args: unknown[]) => onPrint(args.map(String).join(" ")),
    __fieldnodeSend: (text: unknown) => messages.push(String(text)),
  });
  try {
    vm.runInContext(wrapBundle(script), context, {
      filename: "fieldnode-engine-bundle.js",
      timeout: options.timeoutMs ?? DEFAULT_ENGINE_TIMEOUT_MS,
    });
  } catch (error) {
    // Errors from the context are of its realm, so not `instanceof Error` here.
    throw new Error(`node: the bundle threw: ${describeForeignError(error)}`, { cause: error });
  }
  return parseReport("node", messages);
}

function describeForeignError(error: unknown): string {
  if (typeof error === "object" && error !== null && "message" in error) {
    const { name, message, stack } = error as { name?: unknown; message?: unknown; stack?: unknown };
    return typeof stack === "string" ? stack : `${String(name)}: ${String(message)}`;
  }
  return String(error);
}
