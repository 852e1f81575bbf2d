/**
 * The XS engine suite: every test/xs/scenarios/*.scenario.ts is bundled once
 * and run on Node (vm) and on the real XS engine; each scenario must run
 * without error on both and produce deep-equal results.
 *
 * One XS worker (and one child process) per scenario file, all files at once:
 * a worker per file keeps files from seeing each other's globals and module
 * state, and a crash (XS stack overflow kills the worker) loses one file, not
 * the suite; running them concurrently keeps the cost of a worker (~0.5 s of
 * Node + SES startup) off the total.
 */
import { mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  assertXsnapWorkerBuilt,
  bundleScenarioFile,
  compareOutcomes,
  formatSummary,
  runOnNode,
  runOnXs,
  type EngineOutcome,
  type Results,
  type ScenarioComparison,
  type ScenarioOutcome,
} from "./harness/index";
import { buildDevice } from "../../host/build/device";
import { moddableModules } from "./harness/moddable-modules";

const SCENARIO_DIR = fileURLToPath(new URL("./scenarios/", import.meta.url));
const SUFFIX = ".scenario.ts";
const files = readdirSync(SCENARIO_DIR)
  .filter((name) => name.endsWith(SUFFIX))
  .sort()
  .map((name) => ({ label: name.slice(0, -SUFFIX.length), path: path.join(SCENARIO_DIR, name) }));

const rowsByFile = new Map<string, ScenarioComparison[]>();

// The output of `npm run build`, evaluated on XS by the device-entry scenarios.
const buildDir = mkdtempSync(path.join(tmpdir(), "fieldnode-xs-device-"));
let deviceBundle: Promise<string> | undefined;
const devicePlugin = async () => moddableModules(await (deviceBundle ??= buildDevice("0.0.0-xs", path.join(buildDir, "main.js")).then((b) => b.path)));

async function outcome(run: Promise<Results>): Promise<EngineOutcome> {
  try {
    return { ran: true, results: await run };
  } catch (error) {
    return { ran: false, error: error instanceof Error ? error.message : String(error) };
  }
}

/** "ok", or what went wrong: the assertion diff then shows the reason. */
function verdict(result: ScenarioOutcome): string {
  if (result === undefined) return "missing: the engine did not report this scenario";
  return result.ok ? "ok" : result.error;
}

describe("XS engine suite", () => {
  beforeAll(() => {
    assertXsnapWorkerBuilt();
  });

  afterAll(() => {
    rmSync(buildDir, { recursive: true, force: true });
    const rows = files.flatMap((file) => rowsByFile.get(file.label) ?? []);
    console.log(formatSummary(rows));
  });

  it("finds scenario files", () => {
    expect(files.map((file) => file.label)).not.toEqual([]);
  });

  for (const file of files) {
    // XS on this host runs tweetnacl's Ed25519 at about 0.2 s a verification:
    // the vector file needs tens of seconds alone, more beside other suites.
    it.concurrent(`${file.label}: scenarios agree on XS and Node`, { timeout: 300_000 }, async ({ expect }) => {
      let script: string;
      try {
        script = await bundleScenarioFile(file.path, { plugins: [await devicePlugin()] });
      } catch (error) {
        const failed: EngineOutcome = { ran: false, error: `bundle failed: ${String(error)}` };
        rowsByFile.set(file.label, compareOutcomes(file.label, failed, failed));
        throw error;
      }
      const [node, xs] = await Promise.all([
        outcome(runOnNode(script)),
        outcome(runOnXs(script, { name: file.label, timeoutMs: 240_000 })),
      ]);
      const rows = compareOutcomes(file.label, node, xs);
      rowsByFile.set(file.label, rows);

      for (const row of rows) {
        expect.soft(verdict(row.node), `${row.scenario} on Node`).toBe("ok");
        expect.soft(verdict(row.xs), `${row.scenario} on XS`).toBe("ok");
        if (row.node?.ok === true && row.xs?.ok === true) {
          expect.soft(row.xs.value, `${row.scenario}: XS result differs from Node`).toEqual(row.node.value);
        }
      }
    });
  }
});
