/** Whether openssl is on PATH; interop suites skip, and say so, when it is not. */
import { spawnSync } from "node:child_process";

export const OPENSSL_VERSION: string | undefined = (() => {
  const probe = spawnSync("openssl", ["version"], { encoding: "utf8" });
  return probe.status === 0 ? probe.stdout.trim() : undefined;
})();

export const OPENSSL_SKIP_REASON = "SKIPPED: openssl is not on PATH (install it, e.g. apt-get install openssl, to run these interop tests)";

/** Runs openssl, throwing with its stderr on failure. */
export function openssl(args: string[], input?: Uint8Array): { stdout: Buffer; stderr: string } {
  const run = spawnSync("openssl", args, { input, maxBuffer: 64 << 20 });
  if (run.status !== 0) throw new Error(`openssl ${args.join(" ")} failed (${run.status}): ${run.stderr.toString()}`);
  return { stdout: run.stdout, stderr: run.stderr.toString() };
}
