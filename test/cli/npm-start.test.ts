import { existsSync, mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { runTs } from "./run-node";

const stateDir = mkdtempSync(join(tmpdir(), "fieldnode-start-"));
afterAll(() => rmSync(stateDir, { recursive: true, force: true }));

describe("npm start", () => {
  it("provisions a blank flash file, boots it, and boots the same image from it next time", async () => {
    const first = await runTs("sim/main.ts", ["--state-dir", stateDir, "--firmware-version", "1.4.2", "--duration", "1"]);
    expect(first.stderr).toBe("");
    expect(first.code).toBe(0);
    expect(first.stdout).toContain("provisioned a blank flash with fieldnode 1.4.2 in ota_0");
    expect(first.stdout).toContain("app  fieldnode 1.4.2 on sim: slot ota_0 (valid), reset reason power-on");
    const flashFile = join(stateDir, "fieldnode-001.flash");
    expect(statSync(flashFile).size).toBe(4 * 1024 * 1024);

    const second = await runTs("sim/main.ts", ["--state-dir", stateDir, "--duration", "1"]);
    expect(second.code).toBe(0);
    expect(second.stdout).not.toContain("provisioned a blank flash");
    expect(second.stdout).toContain(`flash ${flashFile}`);
    expect(second.stdout).toContain("app  fieldnode 1.4.2 on sim: slot ota_0 (valid), reset reason power-on");
    // The bootloader recorded ota_0 in otadata on the first run; the second run finds it there.
    expect(second.stdout).not.toContain("Set actual ota_seq");
  });

  it("lists every flag with --help", async () => {
    const { code, stdout } = await runTs("sim/main.ts", ["--help"]);
    expect(code).toBe(0);
    for (const flag of ["--id", "--state-dir", "--firmware-version", "--duration", "--quiet", "--help"]) {
      expect(stdout).toContain(flag);
    }
  });

  it("refuses an unknown flag with exit status 2 and points at --help", async () => {
    const { code, stderr } = await runTs("sim/main.ts", ["--bogus"]);
    expect(code).toBe(2);
    expect(stderr).toContain("Unknown option '--bogus'");
    expect(stderr).toContain("see --help");
  });

  it("refuses a firmware version that is not semver", async () => {
    const { code, stderr } = await runTs("sim/main.ts", ["--firmware-version", "v2"]);
    expect(code).toBe(2);
    expect(stderr).toContain('--firmware-version "v2" is not a semantic version like 1.2.3');
    expect(existsSync(join(stateDir, "v2"))).toBe(false);
  });
});
