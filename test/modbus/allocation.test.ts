/**
 * "No allocation per byte or per frame in steady state": the framers, server
 * and register map on their own (1.2 million transactions of every kind),
 * and the whole RtuSlave over an allocation-free UART and timer stand-in
 * (600 000 per reception mode), without V8 needing a single scavenge (a
 * scavenge is what any allocation eventually triggers). Measured in a
 * separate `node --expose-gc --trace-gc` each, compiling on the main thread:
 * with V8's background compiler, when optimized code arrives varies from run
 * to run, and so does what it inlines; a number passed through a call it did
 * not inline is boxed, an allocation of V8's making (XS never allocates for
 * a number) that would come and go between runs.
 */
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { expect, it } from "vitest";

const CASES = [
  ["framers", "the framers and the server", 1_200_000],
  ["burst", "the RtuSlave receiving in bursts", 600_000],
  ["character", "the RtuSlave receiving per character", 600_000],
] as const;

for (const [what, label, transactions] of CASES) {
  it(`${label}: nothing allocated per byte or per frame`, () => {
    const probe = fileURLToPath(new URL("./allocation-probe.ts", import.meta.url));
    const { NODE_OPTIONS: _ignored, ...env } = process.env;
    const result = spawnSync(process.execPath, ["--expose-gc", "--trace-gc", "--no-concurrent-recompilation", "--import", "tsx", probe, what], { encoding: "utf8", env, timeout: 120_000 });
    expect(result.status, result.stderr).toBe(0);
    const out = result.stdout;
    const between = out.slice(out.indexOf("MARK start"), out.indexOf("MARK end"));
    expect(out).toContain(`transactions ${transactions} replies true`);
    expect(between.match(/Scavenge|Mark-Compact|Mark-sweep/g) ?? [], between).toEqual([]);
  });
}
