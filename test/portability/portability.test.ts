import { readFileSync, readdirSync } from "node:fs";
import { join, relative, sep } from "node:path";
import { describe, expect, it } from "vitest";
import { FIRMWARE_DIR } from "../../host/build/bundle";
import { checkPortability } from "./check-portability";

function firmwareSources(dir = FIRMWARE_DIR): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return firmwareSources(path);
    return entry.name.endsWith(".ts") && !entry.name.endsWith(".d.ts") ? [path] : [];
  });
}

const isDeviceOnly = (path: string): boolean => {
  const rel = relative(FIRMWARE_DIR, path).split(sep).join("/");
  return rel === "main.ts" || rel.startsWith("platform/esp32/");
};

describe("firmware portability", () => {
  it("no firmware file uses Node modules or globals, and only the ESP32 platform imports Moddable modules", () => {
    const files = firmwareSources();
    expect(files.length).toBeGreaterThan(5);
    const violations = files.flatMap((file) =>
      checkPortability(relative(FIRMWARE_DIR, file), readFileSync(file, "utf8"), isDeviceOnly(file)),
    );
    expect(violations.map((v) => `firmware/${v.file}:${v.line} ${v.message}`)).toEqual([]);
  });

  it("flags a Node built-in import", () => {
    const found = checkPortability("x.ts", `import { readFileSync } from "node:fs";`, false);
    expect(found).toEqual([{ file: "x.ts", line: 1, message: `imports the Node module "node:fs"` }]);
  });

  it("flags a bare Node module name too", () => {
    expect(checkPortability("x.ts", `import path from "path";`, true)).toHaveLength(1);
  });

  it("flags a Moddable module outside the ESP32 platform", () => {
    const found = checkPortability("x.ts", `import Timer from "timer";\nimport d from "embedded:provider/builtin";`, false);
    expect(found.map((v) => v.line)).toEqual([1, 2]);
  });

  it("allows Moddable modules in the ESP32 platform", () => {
    expect(checkPortability("x.ts", `import Timer from "timer";\nimport FFI from "mc/ffi";`, true)).toEqual([]);
  });

  it("flags Buffer, process, require and a global setTimeout", () => {
    const src = `const a = Buffer.from("x");\nprocess.exit(1);\nconst m = require("m");\nsetTimeout(() => {}, 1);\nglobalThis.setInterval(() => {}, 1);`;
    expect(checkPortability("x.ts", src, false).map((v) => v.message)).toEqual([
      `uses the Node global "Buffer"`,
      `uses the Node global "process"`,
      `uses the Node global "require"`,
      `uses the Node global "setTimeout"`,
      `uses the Node global "globalThis.setInterval"`,
    ]);
  });

  it("does not flag properties, members or locals that share a global's name", () => {
    const src = `const o = { process: 1, setTimeout() {} };\no.process;\nclass A { require = 2; }\nfunction f(setTimeout: number) { return setTimeout; }`;
    // The parameter's use inside f is a local reference; the checker is deliberately
    // conservative about scopes and reports it, so firmware code never shadows these names.
    expect(checkPortability("x.ts", src, false).map((v) => v.line)).toEqual([4]);
  });
});
