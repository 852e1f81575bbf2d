/**
 * The device's engine: the bundle inside a real XS worker (@agoric/xsnap),
 * driven from a child Node process (see xs-child.mjs for why not in-process).
 */
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { createRequire } from "node:module";
import * as os from "node:os";
import * as path from "node:path";
import { fileURLToPath } from "node:url";
import { parseReport, wrapBundle } from "./engine-protocol";
import type { Results } from "./results";
import { DEFAULT_ENGINE_TIMEOUT_MS, type EngineRunOptions } from "./run-node";

export interface XsRunOptions extends EngineRunOptions {
  /** Worker name shown in XS error messages, e.g. the scenario file. */
  name?: string;
}

type ChildMessage = { ok: true; commands: string[] } | { ok: false; error: string };

const CHILD = fileURLToPath(new URL("./xs-child.mjs", import.meta.url));

/** issueCommand takes an ArrayBuffer; this is the only XS-specific script. */
const XS_PRELUDE = `
globalThis.__fieldnodeSend = function (text) {
  issueCommand(new TextEncoder().encode(text).buffer);
};
`;

/** How long a timed-out child gets to stop its worker before it is killed outright. */
const KILL_GRACE_MS = 5_000;

/** Keep error messages readable when a crashing worker is chatty. */
const MAX_CAPTURE = 20_000;

/** Where @agoric/xsnap's install script builds the native worker. */
export function xsnapWorkerBinary(): string {
  const platform = ({ Linux: "lin", Darwin: "mac" } as Record<string, string>)[os.type()];
  if (platform === undefined) throw new Error(`XS engine suite: xsnap has no worker for ${os.type()}`);
  let packageJson: string;
  try {
    packageJson = createRequire(import.meta.url).resolve("@agoric/xsnap/package.json");
  } catch {
    throw new Error(notBuiltMessage("the @agoric/xsnap package is not installed"));
  }
  return path.join(path.dirname(packageJson), "xsnap-native/xsnap/build/bin", platform, "release/xsnap-worker");
}

/** XS is part of `npm test`: a missing worker is a failure, never a skip. */
export function assertXsnapWorkerBuilt(binary: string = xsnapWorkerBinary()): void {
  if (!existsSync(binary)) throw new Error(notBuiltMessage(`${binary} does not exist`));
}

function notBuiltMessage(reason: string): string {
  return (
    `XS engine suite: the xsnap worker is not built (${reason}). ` +
    'Run `npm ci` with install scripts allowed for @agoric/xsnap (package.json "allowScripts"), ' +
    "which compiles it; XS is part of npm test and is not skipped."
  );
}

export async function runOnXs(script: string, options: XsRunOptions = {}): Promise<Results> {
  assertXsnapWorkerBuilt();
  const label = options.name === undefined ? "xs" : `xs (${options.name})`;
  const onPrint = options.onPrint ?? (() => {});
  const timeoutMs = options.timeoutMs ?? DEFAULT_ENGINE_TIMEOUT_MS;

  // NODE_OPTIONS could carry loaders or flags meant for the test runner into a
  // process that runs SES lockdown; the child needs none of them.
  const { NODE_OPTIONS: _ignored, ...env } = process.env;
  const child = spawn(process.execPath, [CHILD, options.name ?? "fieldnode-xs"], {
    stdio: ["pipe", "pipe", "pipe", "ipc"],
    env,
  });
  // Typed nullable because of the "ipc" slot; all three are pipes here.
  const { stdin, stdout: childStdout, stderr: childStderr } = child;
  if (stdin === null || childStdout === null || childStderr === null) {
    child.kill("SIGKILL");
    throw new Error(`${label}: the XS child process has no stdio pipes`);
  }

  let stdout = "";
  let stderr = "";
  let pendingLine = "";
  let message: ChildMessage | undefined;
  let timedOut = false;

  childStdout.setEncoding("utf8").on("data", (chunk: string) => {
    stdout = capped(stdout + chunk);
    const lines = (pendingLine + chunk).split("\n");
    pendingLine = lines.pop() ?? "";
    for (const line of lines) onPrint(line);
  });
  childStderr.setEncoding("utf8").on("data", (chunk: string) => {
    stderr = capped(stderr + chunk);
  });
  child.on("message", (received: ChildMessage) => {
    message ??= received;
  });
  // The child may die before reading its input; its exit status says why.
  stdin.on("error", () => {});
  stdin.end(wrapBundle(script, XS_PRELUDE));

  let forceKill: NodeJS.Timeout | undefined;
  const timer = setTimeout(() => {
    timedOut = true;
    child.kill("SIGTERM"); // the child kills its XS worker, then exits
    forceKill = setTimeout(() => child.kill("SIGKILL"), KILL_GRACE_MS);
  }, timeoutMs);

  const exit = await new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve, reject) => {
    child.once("error", reject);
    child.once("close", (code, signal) => resolve({ code, signal }));
  }).finally(() => {
    clearTimeout(timer);
    clearTimeout(forceKill);
  });
  if (pendingLine !== "") onPrint(pendingLine);

  const fail = (what: string): Error => new Error(`${label}: ${what}${diagnostics(stderr, stdout)}`);
  if (timedOut) throw fail(`no result within ${timeoutMs} ms; the worker was killed`);
  if (message === undefined) {
    throw fail(`the XS child process exited (code ${exit.code}, signal ${exit.signal}) without a result`);
  }
  if (!message.ok) throw fail(message.error);
  try {
    return parseReport(label, message.commands);
  } catch (error) {
    // parseReport's message already names the engine.
    throw new Error(`${error instanceof Error ? error.message : String(error)}${diagnostics(stderr, stdout)}`);
  }
}

function capped(text: string): string {
  return text.length > MAX_CAPTURE ? text.slice(-MAX_CAPTURE) : text;
}

function diagnostics(stderr: string, stdout: string): string {
  const parts: string[] = [];
  if (stderr.trim() !== "") parts.push(`\n--- XS stderr ---\n${stderr.trimEnd()}`);
  if (stdout.trim() !== "") parts.push(`\n--- XS stdout (print/trace) ---\n${stdout.trimEnd()}`);
  return parts.join("");
}
