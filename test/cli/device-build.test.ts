import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { isModdableSpecifier } from "../../host/build/bundle";
import { buildDevice } from "../../host/build/device";
import { checkToolchain } from "../../host/build/flash";
import { generateKey } from "../../host/keys/key-files";
import { runTs } from "./run-node";

describe("npm run build", () => {
  it("writes one ES module whose only imports are Moddable modules", async () => {
    const dir = mkdtempSync(join(tmpdir(), "fieldnode-build-"));
    const { path } = await buildDevice("9.9.9", join(dir, "main.js"));
    const code = readFileSync(path, "utf8");
    rmSync(dir, { recursive: true });
    // esbuild keeps one import statement per importing module: compare the set.
    const imports = [...new Set([...code.matchAll(/^import .* from "([^"]+)";$/gm)].map((m) => m[1]!))];
    expect(imports.sort()).toEqual([
      "crypt",
      "ec",
      "ecp",
      "embedded:io/socket/listener",
      "embedded:io/socket/tcp",
      "embedded:io/socket/udp",
      "embedded:network/dns/resolver/udp",
      "embedded:network/http/client",
      "embedded:network/http/server",
      "embedded:network/mqtt/client",
      "embedded:provider/builtin",
      "embedded:storage/flash",
      "embedded:update",
      "mc/config",
      "mc/ffi",
      "timer",
    ]);
    expect(imports.every(isModdableSpecifier)).toBe(true);
    expect(code).toContain('var FIRMWARE_VERSION = "9.9.9"');
    expect(code).not.toMatch(/from "node:|require\(/);
  });

  it("builds in the technician keys given with --technician", async () => {
    const dir = mkdtempSync(join(tmpdir(), "fieldnode-build-"));
    const key = generateKey("ed25519", "site technician");
    writeFileSync(join(dir, "tech.pub"), key.publicFile);
    const { code } = await runTs("host/build/device.ts", ["--technician", join(dir, "tech.pub"), "--out", join(dir, "main.js")]);
    const bundle = readFileSync(join(dir, "main.js"), "utf8");
    rmSync(dir, { recursive: true });
    expect(code).toBe(0);
    expect(bundle).toContain(JSON.stringify(key.keyIdHex));
  });

  it("refuses a --fault that is not a test build's, naming the ones there are", async () => {
    const { code, stderr } = await runTs("host/build/device.ts", ["--sim", "--fault", "brick"]);
    expect(code).toBe(2);
    expect(stderr).toContain('--fault "brick" is not one of crash-at-boot, fail-self-test, starve-watchdog, crash-after-trial');
  });

  it("refuses a P-256 key as a technician key, with status 2 and what to make instead", async () => {
    const dir = mkdtempSync(join(tmpdir(), "fieldnode-build-"));
    writeFileSync(join(dir, "release.pub"), generateKey("p256").publicFile);
    const { code, stderr } = await runTs("host/build/device.ts", ["--technician", join(dir, "release.pub"), "--out", join(dir, "main.js")]);
    rmSync(dir, { recursive: true });
    expect(code).toBe(2);
    expect(stderr).toContain("is an ecdsa-p256-sha256 key; technician keys are Ed25519: make one with fieldnode keygen --type ed25519");
  });
});

describe("npm run flash", () => {
  it("exits with status 2 and says what to install when the Moddable SDK and ESP-IDF are missing", async () => {
    const env = { PATH: process.env.PATH, HOME: process.env.HOME };
    const { code, stderr } = await runTs("host/build/flash.ts", [], env);
    expect(code).toBe(2);
    expect(stderr).toContain("npm run flash: the device toolchain is not installed on this machine.");
    expect(stderr).toContain("MODDABLE is not set to a Moddable SDK checkout");
    expect(stderr).toContain("IDF_PATH is not set to an ESP-IDF checkout");
    expect(stderr).toContain("`npm start` runs the same firmware on Node");
  });

  it("finds nothing missing when MODDABLE, mcconfig and IDF_PATH are all there", () => {
    const dir = process.cwd();
    expect(checkToolchain({ MODDABLE: dir, IDF_PATH: dir, PATH: `${dir}/test/cli/fake-bin` })).toEqual([]);
  });

  it("hands ssid, password and broker settings to mcconfig after the manifest, without echoing the password", async () => {
    const dir = process.cwd();
    const env = { MODDABLE: dir, IDF_PATH: dir, PATH: `${dir}/test/cli/fake-bin:${process.env.PATH}` };
    const { code, stdout } = await runTs("host/build/flash.ts", ["ssid=Plant 4", "password=s3cret", "broker=mqtt://10.0.0.5:1883"], env);
    expect(code).toBe(0);
    expect(stdout).toContain(`-d -m -p esp32 ${dir}/manifest.json ssid=Plant 4 password=… broker=mqtt://10.0.0.5:1883`);
    expect(stdout).toContain(`fake mcconfig -d -m -p esp32 ${dir}/manifest.json ssid=Plant 4 password=s3cret broker=mqtt://10.0.0.5:1883`);
  });

  it("refuses a broker setting that is not mqtt://host[:port], before building anything", async () => {
    const { code, stderr } = await runTs("host/build/flash.ts", ["broker=tcp://10.0.0.5"], { PATH: process.env.PATH });
    expect(code).toBe(2);
    expect(stderr).toContain("broker=tcp://10.0.0.5 is not mqtt://host[:port] (e.g. broker=mqtt://192.168.1.10:1883)");
  });

  it("refuses a setting no build reads, naming the ones it does", async () => {
    const { code, stderr } = await runTs("host/build/flash.ts", ["brokr=mqtt://h"], { PATH: process.env.PATH });
    expect(code).toBe(2);
    expect(stderr).toContain("unknown setting brokr=; a build reads ssid=, password=, broker=");
  });

  it("rejects an unknown option", async () => {
    const { code, stderr } = await runTs("host/build/flash.ts", ["--frobnicate"], { PATH: process.env.PATH });
    expect(code).toBe(2);
    expect(stderr).toContain("unknown option --frobnicate (try --help)");
  });
});
