import { readFileSync } from "node:fs";
import * as path from "node:path";
import { fileURLToPath } from "node:url";
import type * as esbuild from "esbuild";
import { isModdableSpecifier } from "../../../host/build/bundle";

const FAKES = fileURLToPath(new URL("../moddable/", import.meta.url));

/** The specifier a scenario imports to get the output of `npm run build`. */
export const DEVICE_BUNDLE_SPECIFIER = "fieldnode:device-bundle";

/**
 * Lets scenarios run device-only code on XS: Moddable's modules resolve to
 * fakes in test/xs/moddable/ (built on the simulator's own pure models), the
 * device bundle resolves to a fresh build, and partitions.csv loads as text so
 * the fakes use the very table the device is built with.
 */
export function moddableModules(deviceBundle: string | undefined): esbuild.Plugin {
  return {
    name: "fieldnode-moddable-fakes",
    setup(build) {
      build.onResolve({ filter: /.*/ }, (args) => {
        if (args.path === DEVICE_BUNDLE_SPECIFIER) {
          if (deviceBundle === undefined) return { errors: [{ text: "no device bundle was built for this run" }] };
          return { path: deviceBundle };
        }
        if (!isModdableSpecifier(args.path)) return undefined;
        const fake = path.join(FAKES, `${args.path.replace(/[:/]/g, "_")}.ts`);
        try {
          readFileSync(fake);
        } catch {
          return { errors: [{ text: `no XS-suite fake for Moddable module "${args.path}"; add ${path.relative(process.cwd(), fake)}` }] };
        }
        return { path: fake };
      });
      build.onLoad({ filter: /\.csv$/ }, (args) => ({ contents: readFileSync(args.path, "utf8"), loader: "text" }));
    },
  };
}
