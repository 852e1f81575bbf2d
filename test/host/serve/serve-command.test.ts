import { spawn } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import http from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { PROJECT_ROOT } from "../../../host/build/bundle";
import { signedImage } from "../../ota-client/fixture";

function fieldnode(args: string[]) {
  return spawn(process.execPath, [join(PROJECT_ROOT, "host/bin/fieldnode.js"), ...args], { cwd: PROJECT_ROOT });
}

describe("fieldnode serve (the command)", () => {
  it("prints what it serves, logs each fetch, and stops cleanly on SIGINT", async () => {
    const dir = mkdtempSync(join(tmpdir(), "fieldnode-serve-cli-"));
    const file = join(dir, "fieldnode-2.0.0.img");
    writeFileSync(file, signedImage("2.0.0"));
    const child = fieldnode(["serve", "--port", "0", "--host", "127.0.0.1", file]);
    let out = "";
    child.stdout.on("data", (c: Buffer) => (out += c.toString()));
    const url = await new Promise<string>((resolve) => {
      const poll = setInterval(() => {
        const m = /serving (http:\/\/127\.0\.0\.1:\d+\/fieldnode-2\.0\.0\.img)/.exec(out);
        if (m) {
          clearInterval(poll);
          resolve(m[1]!);
        }
      }, 20);
    });
    expect(out).toMatch(/\(\d+ bytes\): fieldnode 2\.0\.0 for esp32\/fieldnode, counter 0, payload SHA-256 [0-9a-f]{64}\n/);
    await new Promise<void>((resolve) => http.get(url, { headers: { range: "bytes=0-99" } }, (res) => res.resume().on("end", resolve)));
    await new Promise((r) => setTimeout(r, 50));
    child.kill("SIGINT");
    const code = await new Promise<number | null>((resolve) => child.on("close", resolve));
    expect(code).toBe(0);
    expect(out).toMatch(/ 127\.0\.0\.1:\d+ GET \/fieldnode-2\.0\.0\.img bytes=0-99 -> 206 100 bytes in \d+ ms\n/);
    expect(out.endsWith("stopped\n")).toBe(true);
  });

  it("exits 3 and says so when the port is taken", async () => {
    const blocker = http.createServer();
    await new Promise<void>((r) => blocker.listen(0, "127.0.0.1", r));
    const port = (blocker.address() as { port: number }).port;
    const dir = mkdtempSync(join(tmpdir(), "fieldnode-serve-cli-"));
    writeFileSync(join(dir, "x.img"), new Uint8Array(10));
    const child = fieldnode(["serve", "--port", String(port), "--host", "127.0.0.1", join(dir, "x.img")]);
    let err = "";
    child.stderr.on("data", (c: Buffer) => (err += c.toString()));
    const code = await new Promise<number | null>((resolve) => child.on("close", resolve));
    blocker.close();
    expect(code).toBe(3);
    expect(err).toBe(`fieldnode serve: port ${port} is in use; pick another with --port\n`);
  });
});
