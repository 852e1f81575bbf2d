/**
 * "No allocation per byte or per frame in steady state": the framer, server
 * and register map run a million transactions of every kind without V8
 * needing a single scavenge (a scavenge is what any allocation eventually
 * triggers). Measured in a separate `node --expose-gc --trace-gc`.
 */
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { expect, it } from "vitest";

it("the hot path allocates nothing per byte or per frame", () => {
  const probe = fileURLToPath(new URL("./allocation-probe.ts", import.meta.url));
  const { NODE_OPTIONS: _ignored, ...env } = process.env;
  const result = spawnSync(process.execPath, ["--expose-gc", "--trace-gc", "--import", "tsx", probe], { encoding: "utf8", env, timeout: 120_000 });
  expect(result.status, result.stderr).toBe(0);
  const out = result.stdout;
  const between = out.slice(out.indexOf("MARK start"), out.indexOf("MARK end"));
  expect(out).toMatch(/transactions 1200000 replies true/);
  expect(between.match(/Scavenge|Mark-Compact|Mark-sweep/g) ?? [], between).toEqual([]);
});
