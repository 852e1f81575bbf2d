/**
 * Turns a scenario file into an engine script: a generated entry imports the
 * file's `scenarios` and installs `globalThis.__fieldnodeRun`. The entry is
 * virtual (a plugin namespace) so that nothing is written into the tree.
 */
import * as path from "node:path";
import { fileURLToPath } from "node:url";
import type * as esbuild from "esbuild";
import { bundleForEngines, type BundleOptions } from "./bundle";

const RUNTIME = fileURLToPath(new URL("./scenario-runtime.ts", import.meta.url));
const ENTRY_NAME = "fieldnode-scenario-entry";
const NAMESPACE = "fieldnode-scenario-entry";

export type ScenarioBundleOptions = Omit<BundleOptions, "entry">;

export async function bundleScenarioFile(scenarioFile: string, options: ScenarioBundleOptions = {}): Promise<string> {
  const file = path.resolve(scenarioFile);
  return bundleForEngines({
    ...options,
    entry: ENTRY_NAME,
    plugins: [scenarioEntry(file), ...(options.plugins ?? [])],
  });
}

function scenarioEntry(scenarioFile: string): esbuild.Plugin {
  return {
    name: "fieldnode-scenario-entry",
    setup(build) {
      build.onResolve({ filter: new RegExp(`^${ENTRY_NAME}$`) }, () => ({ path: scenarioFile, namespace: NAMESPACE }));
      build.onLoad({ filter: /.*/, namespace: NAMESPACE }, () => ({
        // A namespace import, not `import { scenarios }`: a file that forgot the
        // export then reports that at run time instead of failing the build
        // with an esbuild message that does not mention the contract.
        contents: [
          `import * as scenarioModule from ${JSON.stringify(scenarioFile)};`,
          `import { installScenarioRunner } from ${JSON.stringify(RUNTIME)};`,
          `installScenarioRunner(scenarioModule.scenarios);`,
        ].join("\n"),
        loader: "ts",
        resolveDir: path.dirname(scenarioFile),
      }));
    },
  };
}
