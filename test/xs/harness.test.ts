/**
 * The harness itself: a comparison suite is only worth something if its
 * failures are loud, so every way a run can go wrong is exercised here on
 * fixtures (test/xs/fixtures, outside the scenario directory on purpose).
 */
import * as path from "node:path";
import { fileURLToPath } from "node:url";
import type * as esbuild from "esbuild";
import { describe, it } from "vitest";
import {
  assertXsnapWorkerBuilt,
  bundleForEngines,
  bundleScenarioFile,
  runOnNode,
  runOnXs,
  type Results,
} from "./harness/index";

const FIXTURES = fileURLToPath(new URL("./fixtures/", import.meta.url));
const fixture = (name: string): string => path.join(FIXTURES, `${name}.fixture.ts`);

/** An entry module given as source, for bundler cases no fixture file should exist for. */
function virtualEntry(contents: string): { entry: string; plugins: esbuild.Plugin[] } {
  const plugin: esbuild.Plugin = {
    name: "virtual-entry",
    setup(build) {
      build.onResolve({ filter: /^virtual-entry$/ }, () => ({ path: "virtual-entry", namespace: "virtual" }));
      build.onLoad({ filter: /.*/, namespace: "virtual" }, () => ({ contents, loader: "ts", resolveDir: FIXTURES }));
    },
  };
  return { entry: "virtual-entry", plugins: [plugin] };
}

describe.concurrent("XS harness", () => {
  for (const builtin of ["node:fs", "fs", "fs/promises", "buffer", "node:crypto"]) {
    it(`refuses to bundle the Node built-in "${builtin}"`, async ({ expect }) => {
      await expect(bundleForEngines(virtualEntry(`import ${JSON.stringify(builtin)};`))).rejects.toThrow(
        `Node built-in "${builtin}" imported by`,
      );
    });
  }

  it("names the file that imports a Node built-in", async ({ expect }) => {
    await expect(bundleScenarioFile(fixture("node-builtin"))).rejects.toThrow(
      /Node built-in "node:fs" imported by .*node-builtin\.fixture\.ts/,
    );
  });

  it("defines the build constants, and lets callers override them", async ({ expect }) => {
    const source = "globalThis.out = [__FIELDNODE_VERSION__, __FIELDNODE_BUILD_FAULT__];";
    const defaults = await bundleForEngines(virtualEntry(source));
    expect(defaults).toContain('"0.0.0-xs"');
    expect(defaults).toContain('"none"');
    const overridden = await bundleForEngines({
      ...virtualEntry(source),
      define: { __FIELDNODE_BUILD_FAULT__: JSON.stringify("crash-at-boot") },
    });
    expect(overridden).toContain('"crash-at-boot"');
    expect(overridden).toContain('"0.0.0-xs"');
  });

  it("reports each scenario's failure without stopping the others, identically on both engines", async ({
    expect,
  }) => {
    const script = await bundleScenarioFile(fixture("mixed"));
    const printed: Record<"node" | "xs", string[]> = { node: [], xs: [] };
    const [node, xs] = await Promise.all([
      runOnNode(script, { onPrint: (line) => printed.node.push(line) }),
      runOnXs(script, { name: "mixed", onPrint: (line) => printed.xs.push(line) }),
    ]);
    const expected: Results = [
      { name: "plain", ok: true, value: { answer: 42, list: [1, "two", null, true] } },
      { name: "throws", ok: false, error: "RangeError: deliberate failure" },
      { name: "asyncValue", ok: true, value: "resolved later" },
      { name: "asyncThrows", ok: false, error: "Error: deliberate async failure" },
      { name: "bytes", ok: false, error: "result is not JSON: $ is a Uint8Array (encode bytes as hex)" },
      { name: "notANumber", ok: false, error: "result is not JSON: $.nested[1] is NaN" },
      { name: "undefinedValue", ok: false, error: "result is not JSON: $ is undefined" },
      { name: "traces", ok: true, value: "traced" },
      { name: "hostGlobalsAbsent", ok: true, value: "undefined,undefined,undefined,undefined,undefined,undefined,undefined" },
      { name: "notAFunction", ok: false, error: 'scenario "notAFunction" is not a function' },
    ];
    expect(node).toEqual(expected);
    expect(xs).toEqual(expected);
    expect(printed.node).toEqual(["trace line 1", "second"]);
    expect(printed.xs).toEqual(printed.node);
  });

  it("fails a run whose scenario never settles, instead of hanging", async ({ expect }) => {
    const script = await bundleScenarioFile(fixture("never-settles"));
    await expect(runOnNode(script)).rejects.toThrow("node: __fieldnodeRun did not settle");
    await expect(runOnXs(script)).rejects.toThrow("xs: __fieldnodeRun did not settle");
  });

  it("reports a file without a `scenarios` export", async ({ expect }) => {
    const script = await bundleScenarioFile(fixture("no-export"));
    await expect(runOnNode(script)).rejects.toThrow("must export `scenarios`");
    await expect(runOnXs(script)).rejects.toThrow("must export `scenarios`");
  });

  it("propagates an XS worker crash (stack overflow) as an error", async ({ expect }) => {
    const script = await bundleScenarioFile(fixture("deep-recursion"));
    const node = await runOnNode(script);
    expect(node).toMatchObject([{ name: "recurse", ok: false, error: expect.stringMatching(/^RangeError/) }]);
    await expect(runOnXs(script, { name: "deep-recursion" })).rejects.toThrow(
      "xs (deep-recursion): deep-recursion exited: stack overflow",
    );
  });

  it("propagates an exception thrown while the script loads", async ({ expect }) => {
    await expect(runOnNode("throw new TypeError('at load')")).rejects.toThrow("TypeError: at load");
    await expect(runOnXs("throw new TypeError('at load')")).rejects.toThrow("TypeError: at load");
  });

  it("fails, with the fix, when the xsnap worker is not built", ({ expect }) => {
    expect(() => assertXsnapWorkerBuilt("/nonexistent/xsnap-worker")).toThrow(
      /xsnap worker is not built \(\/nonexistent\/xsnap-worker does not exist\)\. Run `npm ci`/,
    );
    expect(() => assertXsnapWorkerBuilt()).not.toThrow();
  });

  it("evaluates scripts larger than XS's default 8 MiB parser buffer", async ({ expect }) => {
    const payload = "ab".repeat(9 << 19); // 9 MiB, the size of a bundle that embeds an image
    const script = `const payload = "${payload}"; globalThis.__fieldnodeRun = async () => [{ name: "size", ok: true, value: payload.length }];`;
    await expect(runOnXs(script)).resolves.toEqual([{ name: "size", ok: true, value: 9 << 20 }]);
  });

  it("kills an XS run that exceeds its time limit", async ({ expect }) => {
    const started = Date.now();
    await expect(runOnXs("for (;;) {}", { timeoutMs: 500 })).rejects.toThrow("no result within 500 ms");
    expect(Date.now() - started).toBeLessThan(10_000);
    await expect(runOnNode("for (;;) {}", { timeoutMs: 200 })).rejects.toThrow("timed out");
  });
});
