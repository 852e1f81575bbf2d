// Runs one script in a fresh XS worker (@agoric/xsnap) and sends back, over
// the Node IPC channel, every message the script passed to issueCommand.
//
// A separate process because xsnap's Node API needs SES lockdown, which
// freezes the intrinsics of the whole realm: done inside vitest it would break
// vitest and every other suite in the same worker.
//
// Protocol: the script arrives on stdin; argv[2] is a name for diagnostics.
// Exactly one IPC message is sent:
//   { ok: true, commands: string[] }  after the script ran and its jobs drained
//   { ok: false, error: string }      when XS threw or the worker died
// stdout carries what the script printed; stderr carries XS's own complaints.
import "@endo/init";
import { xsnap } from "@agoric/xsnap";
import * as childProcess from "node:child_process";
import * as fs from "node:fs";
import * as fsp from "node:fs/promises";
import * as os from "node:os";

const name = (process.argv[2] ?? "fieldnode-xs").replace(/^-+/, "");
const decoder = new TextDecoder();

/** @type {import("node:child_process").ChildProcess | undefined} */
let workerProcess;
let finished = false;

// xsnap's spawn is injected, which is the only way to learn the worker's pid:
// if this process is told to stop, the worker (possibly in an endless loop
// that no pipe closing will interrupt) has to be stopped with it.
/** @type {typeof childProcess.spawn} */
const trackedSpawn = (...args) => {
  // @ts-ignore -- forwarding the overloads unchanged
  workerProcess = childProcess.spawn(...args);
  return workerProcess;
};

/**
 * Kills the worker and waits until it is gone, so that it is reaped here
 * rather than left as an orphan for whatever init the machine has.
 * @returns {Promise<void>}
 */
function stopWorker() {
  const worker = workerProcess;
  if (!worker || worker.exitCode !== null || worker.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    worker.once("exit", () => resolve());
    worker.kill("SIGKILL");
    // SIGKILL cannot be refused; this only guards against a missed event.
    setTimeout(resolve, 2_000).unref();
  });
}

/** @param {{ ok: true, commands: string[] } | { ok: false, error: string }} message */
async function finish(message) {
  if (finished) return;
  finished = true;
  if (!message.ok) await stopWorker();
  const code = message.ok ? 0 : 1;
  if (process.send && process.connected) {
    process.send(message, () => process.exit(code));
  } else {
    process.stderr.write(`${message.ok ? "" : message.error}\n`);
    process.exit(code);
  }
}

/** @param {unknown} error */
function describe(error) {
  return error instanceof Error ? error.message : String(error);
}

// After a worker crash xsnap also rejects internal promises nobody awaits; the
// first report (from the evaluate call) is the informative one.
process.on("unhandledRejection", (reason) => void finish({ ok: false, error: describe(reason) }));
process.on("SIGTERM", () => {
  finished = true;
  void stopWorker().then(() => process.exit(143));
});
// The parent went away (killed, or the test run aborted): do not leave an
// orphaned worker spinning.
process.on("disconnect", () => {
  if (finished) return;
  finished = true;
  void stopWorker().then(() => process.exit(1));
});

async function readStdin() {
  const chunks = [];
  for await (const chunk of process.stdin) chunks.push(chunk);
  return Buffer.concat(chunks).toString("utf8");
}

/** @param {string} script */
function parserBufferKiB(script) {
  const DEFAULT_KIB = 8 * 1024;
  return DEFAULT_KIB + 2 * Math.ceil(Buffer.byteLength(script, "utf8") / 1024);
}

async function main() {
  const script = await readStdin();
  /** @type {string[]} */
  const commands = [];
  const worker = await xsnap({
    name,
    os: os.type(),
    spawn: trackedSpawn,
    fs: { ...fs, ...fsp },
    stdout: "inherit",
    stderr: "inherit",
    // No computation limit: later suites verify multi-megabyte images in XS.
    meteringLimit: 0,
    // XS parses a script inside a fixed buffer (8 MiB by default, in KiB here);
    // a bundle that embeds an image would overflow it with "buffer overflow".
    parserBufferSize: parserBufferKiB(script),
    handleCommand: async (request) => {
      commands.push(decoder.decode(request));
      return new Uint8Array(0);
    },
  });
  try {
    await worker.evaluate(script);
  } catch (error) {
    await finish({ ok: false, error: describe(error) });
    return;
  }
  await worker.close();
  await finish({ ok: true, commands });
}

main().catch((error) => finish({ ok: false, error: describe(error) }));
