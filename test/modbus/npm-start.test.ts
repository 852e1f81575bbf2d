/**
 * `npm start`'s Modbus options, end to end: the simulator process prints where
 * to connect, a master talks to the device through RTU over TCP, a register
 * map file is served (or refused, naming the entry), and --modbus-pty without
 * socat says what to install.
 */
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { readHoldingOverTcp } from "./tcp-master";
import { afterAll, describe, expect, it } from "vitest";
import { PROJECT_ROOT } from "../../host/build/bundle";
import { findSocat } from "../../sim/serial/pty";
import { runTs } from "../cli/run-node";

const dir = mkdtempSync(join(tmpdir(), "fieldnode-modbus-start-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Starts the simulator, waits for a line matching `ready`, runs `body`, then stops it (SIGTERM). */
async function withSimulator(args: string[], ready: RegExp, body: (match: RegExpMatchArray, output: () => string) => Promise<void>): Promise<string> {
  const child = spawn(process.execPath, ["--import", "tsx", "sim/main.ts", ...args], { cwd: PROJECT_ROOT });
  let output = "";
  child.stdout.on("data", (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on("data", (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.on("close", resolve));
  try {
    const match = await new Promise<RegExpMatchArray>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`the simulator did not get ready:\n${output}`)), 60_000);
      const check = () => {
        const m = ready.exec(output);
        if (m !== null && /modbus: RTU slave/.test(output)) {
          clearTimeout(timer);
          resolve(m);
        }
      };
      child.stdout.on("data", check);
      void exited.then(() => reject(new Error(`the simulator exited:\n${output}`)));
    });
    await body(match, () => output);
  } finally {
    child.kill("SIGTERM");
    await exited;
  }
  return output;
}

describe("npm start with Modbus access", () => {
  it("lists the Modbus options in --help", async () => {
    const { code, stdout } = await runTs("sim/main.ts", ["--help"]);
    expect(code).toBe(0);
    for (const flag of ["--modbus-pty PATH", "--modbus-tcp [HOST:]PORT", "--register-map FILE"]) expect(stdout).toContain(flag);
  });

  it("--modbus-tcp prints its address, and a master reads the device through it", async () => {
    const output = await withSimulator(["--modbus-tcp", "0"], /Modbus RTU over TCP: 127\.0\.0\.1:(\d+)/, async (match) => {
      expect(await readHoldingOverTcp(Number(match[1]), 0, 4)).toEqual([1, 192, 2, 1]);
    });
    expect(output).toContain("RTU frames, no MBAP header");
  });

  it("--register-map serves the map from the file", async () => {
    const file = join(dir, "map.json");
    writeFileSync(
      file,
      JSON.stringify({ blocks: [{ name: "moved-config", table: "holding-registers", address: 500, source: "config", points: [{ point: "address" }, { point: "baud", scale: 0.01 }] }] }),
    );
    const output = await withSimulator(["--modbus-tcp", "0", "--register-map", file], /Modbus RTU over TCP: 127\.0\.0\.1:(\d+)/, async (match) => {
      expect(await readHoldingOverTcp(Number(match[1]), 500, 2)).toEqual([1, 192]);
    });
    expect(output).toContain("modbus: register map modbus-map.json loaded (1 blocks)");
  });

  it("refuses a register map that does not validate, naming the entry, with status 2", async () => {
    const file = join(dir, "bad.json");
    writeFileSync(file, JSON.stringify({ blocks: [{ name: "x", table: "holding-registers", address: 0, source: "storage", count: 0 }] }));
    const { code, stderr } = await runTs("sim/main.ts", ["--register-map", file]);
    expect(code).toBe(2);
    expect(stderr).toContain(`npm start: --register-map ${file}: register map: blocks[0] ("x").count: 0 is not a cell count (1-65536)`);
  });

  it("refuses a --modbus-tcp that is not a port", async () => {
    const { code, stderr } = await runTs("sim/main.ts", ["--modbus-tcp", "localhost"]);
    expect(code).toBe(2);
    expect(stderr).toContain('--modbus-tcp "localhost" must be PORT or HOST:PORT');
  });

  it("--modbus-pty without socat says what to install, with status 2", async () => {
    // Every PATH directory that has a socat goes (/bin and /usr/bin may both have it).
    const path = (process.env.PATH ?? "").split(":").filter((d) => findSocat(d) === undefined).join(":");
    const { code, stderr } = await runTs("sim/main.ts", ["--modbus-pty", join(dir, "tty"), "--duration", "20"], { ...process.env, PATH: path });
    expect(code).toBe(2);
    expect(stderr).toContain("--modbus-pty needs socat, which is not installed (or not on PATH): install it with `apt-get install socat`");
  });

  it.skipIf(findSocat() === undefined)("--modbus-pty prints the pty and an mbpoll line for it", async () => {
    const link = join(dir, "ttyStart");
    const output = await withSimulator(["--modbus-pty", link], /Modbus RTU on a pty: (\S+) -> (\/dev\/\S+) \(socat\)/, async (match) => {
      expect(match[1]).toBe(link);
    });
    expect(output).toContain(`e.g. mbpoll -m rtu -a 1 -b 19200 -P even -t 3 -r 1 -c 10 -1 ${link}`);
  });
});
