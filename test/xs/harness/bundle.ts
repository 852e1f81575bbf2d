/**
 * One esbuild bundle that both engines run unchanged, so that a difference in
 * results can only come from the engine, never from two different builds.
 */
import { builtinModules } from "node:module";
import * as esbuild from "esbuild";
import { firmwareDefines } from "../../../host/build/bundle";

export interface BundleOptions {
  /** Module to bundle: a file path, or a name that one of `plugins` resolves. */
  entry: string;
  /** esbuild `define`; values are JavaScript source (use JSON.stringify for strings). */
  define?: Record<string, string>;
  /** esbuild `alias` (package-style names only, as esbuild requires). */
  alias?: Record<string, string>;
  plugins?: esbuild.Plugin[];
}

/**
 * The build-time constants firmware/build-info.ts declares. They have to be
 * defined in every bundle or the bundle throws a ReferenceError at load.
 */
const DEFAULT_DEFINE: Readonly<Record<string, string>> = firmwareDefines({ version: "0.0.0-xs" });

const NODE_BUILTINS = new Set(builtinModules.filter((name) => !name.startsWith("_")));

function isNodeBuiltin(specifier: string): boolean {
  if (specifier.startsWith("node:")) return true;
  // "fs/promises" is a built-in, "fs-extra" is not.
  return NODE_BUILTINS.has(specifier) || NODE_BUILTINS.has(specifier.split("/")[0] ?? "");
}

/**
 * On platform "neutral" esbuild would already fail to resolve "fs", but with a
 * hint to switch to platform "node", which is exactly the wrong fix here: the
 * device has no Node. Say so, and name the importer.
 */
const rejectNodeBuiltins: esbuild.Plugin = {
  name: "fieldnode-reject-node-builtins",
  setup(build) {
    build.onResolve({ filter: /.*/ }, (args) => {
      if (args.kind === "entry-point" || !isNodeBuiltin(args.path)) return undefined;
      return {
        errors: [
          {
            text:
              `Node built-in "${args.path}" imported by ${args.importer || "<entry>"}: ` +
              "code bundled for the XS engine must not use Node APIs (the device has none)",
          },
        ],
      };
    });
  },
};

/**
 * tweetnacl picks its random source at load with `require("crypto")`. The
 * engines have no such module, and the code bundled here only verifies,
 * which needs no randomness: the require gets an empty module, so tweetnacl
 * installs no generator and any call that would need one throws ("no PRNG").
 */
const stubTweetnaclRandomSource: esbuild.Plugin = {
  name: "fieldnode-stub-tweetnacl-random-source",
  setup(build) {
    build.onResolve({ filter: /^crypto$/ }, (args) => {
      if (args.kind !== "require-call" || !/[\\/]node_modules[\\/]tweetnacl[\\/]/.test(args.importer)) return undefined;
      return { path: "tweetnacl-random-source", namespace: "fieldnode-stub" };
    });
    build.onLoad({ filter: /.*/, namespace: "fieldnode-stub" }, () => ({ contents: "module.exports = {};", loader: "js" }));
  },
};

/**
 * Language features lowered for every bundle, however recent the target.
 * XS refuses a class whose static initializer constructs an instance of the
 * class while it also declares instance fields ("ReferenceError: Point: get
 * ?: not initialized yet"), which is how @noble/curves defines Point.BASE and
 * Point.ZERO. Lowering static fields alone turns them into assignments after
 * the class body; instance fields and private `#x` members stay native, so
 * the firmware runs on XS as written (a target of es2020 would turn every
 * private field into a WeakMap and change what the suite measures).
 */
const SUPPORTED: Readonly<Record<string, boolean>> = { "class-static-field": false };

export async function bundleForEngines(options: BundleOptions): Promise<string> {
  let result: esbuild.BuildResult<{ write: false }>;
  try {
    result = await esbuild.build({
      entryPoints: [options.entry],
      bundle: true,
      format: "iife",
      platform: "neutral",
      target: "es2022",
      supported: SUPPORTED,
      write: false,
      // "neutral" reads no package.json main fields by default; without these a
      // dependency that has no "exports" map would not resolve at all.
      mainFields: ["module", "main"],
      define: { ...DEFAULT_DEFINE, ...options.define },
      alias: options.alias ?? {},
      // Caller plugins first: one that deliberately stubs a built-in wins over
      // the guard, because then the built-in is not in the bundle.
      plugins: [...(options.plugins ?? []), stubTweetnaclRandomSource, rejectNodeBuiltins],
      logLevel: "silent",
      legalComments: "none",
    });
  } catch (error) {
    throw new Error(`bundleForEngines(${options.entry}) failed:\n${await describeBuildFailure(error)}`, {
      cause: error,
    });
  }
  const output = result.outputFiles[0];
  if (output === undefined || result.outputFiles.length !== 1) {
    throw new Error(`bundleForEngines(${options.entry}): expected one output file, got ${result.outputFiles.length}`);
  }
  return output.text;
}

async function describeBuildFailure(error: unknown): Promise<string> {
  if (isBuildFailure(error)) {
    const lines = await esbuild.formatMessages(error.errors, { kind: "error", color: false });
    return lines.join("").trimEnd();
  }
  return error instanceof Error ? error.message : String(error);
}

function isBuildFailure(error: unknown): error is esbuild.BuildFailure {
  return error instanceof Error && Array.isArray((error as Partial<esbuild.BuildFailure>).errors);
}
