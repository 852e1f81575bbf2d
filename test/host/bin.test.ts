/**
 * The installed entry point, as a script calls it: host/bin/fieldnode.js in
 * its own Node process. Exit statuses are the contract scripts rely on.
 */
import { spawnSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { scratchDir } from "./support/cli";

const BIN = fileURLToPath(new URL("../../host/bin/fieldnode.js", import.meta.url));
const scratch = scratchDir("bin");
afterAll(() => scratch.remove());

function fieldnode(...args: string[]): { status: number | null; stdout: string; stderr: string } {
  const { NODE_OPTIONS: _ignored, ...env } = process.env;
  const run = spawnSync(process.execPath, [BIN, ...args], { cwd: scratch.dir, encoding: "utf8", env });
  return { status: run.status, stdout: run.stdout, stderr: run.stderr };
}

describe("the fieldnode bin", () => {
  it("keygen → sign → verify → inspect, with the documented exit statuses", () => {
    writeFileSync(scratch.path("app.bin"), Uint8Array.from({ length: 4096 }, (_, i) => i & 0xff));
    const keygen = fieldnode("keygen", "--type", "ed25519", "--out", "release");
    expect(keygen.stderr).toBe("");
    expect(keygen.status).toBe(0);
    expect(fieldnode("keygen", "--out", "release").status).toBe(1);

    const sign = fieldnode("sign", "--key", "release.pem", "--version", "1.2.3", "--security-counter", "4", "app.bin", "--out", "app.img");
    expect(sign.stderr).toBe("");
    expect(sign.status).toBe(0);
    expect(fieldnode("sign", "--key", "release.pem", "--version", "one", "app.bin", "--out", "x.img").status).toBe(2);
    expect(fieldnode("sign", "--key", "missing.pem", "--version", "1.0.0", "app.bin", "--out", "x.img").status).toBe(3);

    const verify = fieldnode("verify", "--pub", "release.pub", "app.img");
    expect(verify.status).toBe(0);
    expect(verify.stdout).toContain("verified app.img: fieldnode 1.2.3 for esp32, security counter 4");
    const refused = fieldnode("verify", "--pub", "release.pub", "app.bin");
    expect(refused.status).toBe(1);
    expect(refused.stderr).toContain("BAD_MAGIC");

    const inspect = fieldnode("inspect", "--json", "app.img");
    expect(inspect.status).toBe(0);
    expect(JSON.parse(inspect.stdout)).toMatchObject({ version: "1.2.3", securityCounter: 4, algorithm: "ed25519", payloadLength: 4096 });
    expect(scratch.files()).toEqual(["app.bin", "app.img", "release.pem", "release.pub"]);
  });
});
