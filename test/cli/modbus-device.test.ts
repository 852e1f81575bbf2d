/**
 * `fieldnode modbus read|write` in-process against a simulated device in
 * real time, through the simulator's gateway: RTU over TCP always, and the
 * pseudo-terminal where socat is installed. Exact output, exit codes and
 * messages for every outcome a technician meets on the bench.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import net from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { EXIT } from "../../host/cli/command";
import { loadRegisterMap } from "../../host/modbus/map-entries";
import { findSocat } from "../../sim/serial/pty";
import { cli } from "../host/support/cli";
import { realTimeDevice, type RealTimeDevice } from "../modbus/device-fixture";

const dir = mkdtempSync(join(tmpdir(), "fieldnode-modbus-cli-"));
const socat = findSocat();
const ptyPath = join(dir, "ttyFIELDNODE");
if (socat === undefined) console.log("modbus cli: socat is not installed; skipping the pseudo-terminal tests (apt-get install socat)");

let node: RealTimeDevice;
let tcp: string;
beforeAll(async () => {
  node = await realTimeDevice(socat !== undefined ? { pty: ptyPath } : {});
  tcp = `127.0.0.1:${node.access.tcp!.port}`;
}, 60_000);
afterAll(async () => {
  await node?.close();
  rmSync(dir, { recursive: true, force: true });
});

const modbus = (...args: string[]) => cli("modbus", ...args);

/** A port nothing listens on: opened, then closed. */
async function closedPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

describe("fieldnode modbus read, RTU over TCP", () => {
  it("reads config.baud by its bare name, scaled from register 192", async () => {
    expect(await modbus("read", "--tcp", tcp, "baud")).toEqual({ code: EXIT.ok, stdout: "config.baud = 19200  (holding register 1: 192)\n", stderr: "" });
  });

  it("reads a 32-bit value with its unit: uptime in seconds from two registers", async () => {
    const run = await modbus("read", "--tcp", tcp, "device.uptime");
    const match = /^device\.uptime = (\d+) s {2}\(input registers 0-1: 0 (\d+)\)\n$/.exec(run.stdout);
    expect(run.code).toBe(EXIT.ok);
    expect(match).not.toBeNull();
    expect(match![1]).toBe(match![2]);
  });

  it("reads raw holding registers 0-3: address 1, 19200, even parity, 1 stop bit", async () => {
    expect(await modbus("read", "--tcp", tcp, "--table", "holding", "--address", "0", "--count", "4")).toEqual({
      code: EXIT.ok,
      stdout: "holding register 0: 1 (0x0001)\nholding register 1: 192 (0x00c0)\nholding register 2: 2 (0x0002)\nholding register 3: 1 (0x0001)\n",
      stderr: "",
    });
  });

  it("reads every entry of the default map with --all, storage blocks summarized", async () => {
    // Each sensor value answers exception 04 until its channel's first good
    // sample: wait for every quality register (input 110-115) to read 0, ok.
    const deadline = Date.now() + 20_000;
    for (;;) {
      const quality = await modbus("read", "--tcp", tcp, "--json", "--table", "input", "--address", "110", "--count", "6");
      if (quality.code === EXIT.ok && (JSON.parse(quality.stdout) as { values: number[] }).values.every((q) => q === 0)) break;
      if (Date.now() > deadline) throw new Error(`the sensor channels never all read ok: ${quality.stdout}${quality.stderr}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    const run = await modbus("read", "--tcp", tcp, "--all");
    expect(run.code).toBe(EXIT.ok);
    const lines = run.stdout.trimEnd().split("\n");
    expect(lines[0]).toBe(`slave 1 on ${tcp} (RTU over TCP): fieldnode default register map`);
    expect(lines.slice(1).map((l) => l.split(" ")[0])).toEqual(loadRegisterMap().entries.map((e) => e.name));
    expect(lines[2]).toMatch(/^config\.baud +19200 +holding 1 +Baud rate ÷ 100/);
    expect(lines.find((l) => l.startsWith("device.version.minor"))).toMatch(/^device\.version\.minor +2 +input 3 +Firmware version: minor$/);
    expect(lines.find((l) => l.startsWith("scratch "))).toMatch(/^scratch +100 registers, all 0 +holding 100-199 +General-purpose registers \(RAM; zero after reset\)$/);
    expect(lines.find((l) => l.startsWith("boot-status.boot.valid"))).toMatch(/^boot-status\.boot\.valid +1 +discrete 0 +Running image is valid$/);
  });

  it("prints JSON for a named read: entry, type, scale, value and raw registers", async () => {
    const run = await modbus("read", "--tcp", tcp, "--json", "config.baud");
    expect(run.code).toBe(EXIT.ok);
    expect(JSON.parse(run.stdout)).toEqual({
      ok: true,
      slave: 1,
      map: "fieldnode default register map",
      entries: [{ name: "config.baud", table: "holding-registers", address: 1, count: 1, type: "uint16", scale: 0.01, unit: null, value: 19200, raw: [192] }],
    });
  });

  it("prints JSON for a raw read of discrete inputs as booleans, the array on one line", async () => {
    const run = await modbus("read", "--tcp", tcp, "--json", "--table", "discrete", "--address", "0", "--count", "3");
    expect(run.stdout).toBe(
      '{\n  "ok": true,\n  "slave": 1,\n  "table": "discrete-inputs",\n  "address": 0,\n  "count": 3,\n  "values": [true, false, false]\n}\n',
    );
  });

  it("reports exception 02 for an unmapped register, exit 1", async () => {
    expect(await modbus("read", "--tcp", tcp, "--table", "holding", "--address", "4")).toEqual({
      code: EXIT.failed,
      stdout: "",
      stderr: "fieldnode modbus: slave 1 answered function 03 at address 4 with exception 02 illegal data address\n",
    });
  });

  it("prints the exception as JSON with --json", async () => {
    const run = await modbus("read", "--tcp", tcp, "--json", "--table", "input", "--address", "10");
    expect(run.code).toBe(EXIT.failed);
    expect(JSON.parse(run.stdout)).toEqual({
      ok: false,
      slave: 1,
      function: 4,
      address: 10,
      exception: { code: 2, name: "illegal data address" },
      message: "slave 1 answered function 04 at address 10 with exception 02 illegal data address",
    });
  });

  it("times out against a slave address nobody has, exit 3, saying what to check", async () => {
    expect(await modbus("read", "--tcp", tcp, "--slave", "9", "--timeout", "200", "--retries", "0", "baud")).toEqual({
      code: EXIT.io,
      stdout: "",
      stderr: `fieldnode modbus: no reply from slave 9 on ${tcp} (RTU over TCP) within 200 ms (1 attempt); check the slave address (--slave), that the gateway reaches the device (its serial side: baud rate, parity, wiring)\n`,
    });
  });

  it("reports a TCP port nothing listens on, exit 3", async () => {
    const port = await closedPort();
    expect(await modbus("read", "--tcp", `127.0.0.1:${port}`, "baud")).toEqual({
      code: EXIT.io,
      stdout: "",
      stderr: `fieldnode modbus: cannot connect to 127.0.0.1:${port}: connection refused; check --tcp HOST:PORT and that the gateway is running (the simulator: npm start -- --modbus-tcp PORT)\n`,
    });
  });

  it("shows the entry a device refuses in --all, and exits 1", async () => {
    // The device's default map has no input register 190: this map's sensor block gets exception 02.
    const file = join(dir, "sensor-map.json");
    writeFileSync(
      file,
      JSON.stringify({
        description: "map with sensors",
        blocks: [
          { name: "line", table: "holding-registers", address: 0, source: "config", points: [{ point: "address" }] },
          { name: "env", table: "input-registers", address: 190, source: "sensors", points: [{ point: "temperature", type: "int16", scale: 100 }] },
        ],
      }),
    );
    expect(await modbus("read", "--tcp", tcp, "--register-map", file, "--all")).toEqual({
      code: EXIT.failed,
      stdout: `slave 1 on ${tcp} (RTU over TCP): map with sensors\nline.address     1                                  holding 0\nenv.temperature  exception 02 illegal data address  input 190\n`,
      stderr: "fieldnode modbus: env.temperature: slave 1 answered function 04 at address 190 with exception 02 illegal data address\n",
    });
  });

  it("reads with a custom register map: its names, scale and unit", async () => {
    const file = join(dir, "line-map.json");
    writeFileSync(
      file,
      JSON.stringify({
        description: "bench map",
        blocks: [{ name: "line", table: "holding-registers", address: 0, source: "config", points: [{ point: "address" }, { point: "baud", scale: 0.01, unit: "Bd" }] }],
      }),
    );
    expect(await modbus("read", "--tcp", tcp, "--register-map", file, "line.baud")).toEqual({ code: EXIT.ok, stdout: "line.baud = 19200 Bd  (holding register 1: 192)\n", stderr: "" });
  });
});

describe("fieldnode modbus write, RTU over TCP", () => {
  it("writes config.baud by name (FC 06, scaled), and reads the new value back", async () => {
    try {
      expect(await modbus("write", "--tcp", tcp, "baud", "9600")).toEqual({
        code: EXIT.ok,
        stdout: "wrote config.baud = 9600 (holding register 1: 96) with function 06 (write single register)\n",
        stderr: "",
      });
      // The gateway follows the device's new line settings, so the next request still gets through.
      expect((await modbus("read", "--tcp", tcp, "baud")).stdout).toBe("config.baud = 9600  (holding register 1: 96)\n");
    } finally {
      await modbus("write", "--tcp", tcp, "baud", "19200");
    }
  });

  it("writes a negative value through a custom map's int32 ×10 low-word-first point, as raw registers", async () => {
    // The device serves plain scratch registers at 110-111: the host's map may give them any format.
    const file = join(dir, "setpoint-map.json");
    writeFileSync(
      file,
      JSON.stringify({ blocks: [{ name: "setpoint", table: "holding-registers", address: 110, source: "config", points: [{ point: "baud", type: "int32", scale: 10, wordOrder: "low-first", unit: "°C" }] }] }),
    );
    expect((await modbus("write", "--tcp", tcp, "--register-map", file, "setpoint.baud", "-12.5")).stdout).toBe(
      "wrote setpoint.baud = -12.5 °C (holding registers 110-111: 65411 65535) with function 10 (write multiple registers)\n",
    );
    expect((await modbus("read", "--tcp", tcp, "--register-map", file, "setpoint.baud")).stdout).toBe("setpoint.baud = -12.5 °C  (holding registers 110-111: 65411 65535)\n");
  });

  it("writes one coil with FC 05 and reads it back", async () => {
    expect((await modbus("write", "--tcp", tcp, "--table", "coils", "--address", "5", "on")).stdout).toBe("wrote coil 5: 1 with function 05 (write single coil)\n");
    expect((await modbus("read", "--tcp", tcp, "--table", "coils", "--address", "5")).stdout).toBe("coil 5: 1\n");
  });

  it("writes several coils with FC 0F", async () => {
    expect((await modbus("write", "--tcp", tcp, "--table", "coils", "--address", "8", "1", "0", "1")).stdout).toBe("wrote coils 8-10: 1 0 1 with function 0F (write multiple coils)\n");
    expect((await modbus("read", "--tcp", tcp, "--table", "coils", "--address", "8", "--count", "3")).stdout).toBe("coil 8: 1\ncoil 9: 0\ncoil 10: 1\n");
  });

  it("writes raw holding registers with FC 10, hex and negative values included", async () => {
    expect((await modbus("write", "--tcp", tcp, "--table", "holding", "--address", "120", "11", "0x1234", "-2")).stdout).toBe(
      "wrote holding registers 120-122: 11 4660 65534 with function 10 (write multiple registers)\n",
    );
  });

  it("prints JSON for a write", async () => {
    const run = await modbus("write", "--tcp", tcp, "--json", "--table", "holding", "--address", "130", "7");
    expect(JSON.parse(run.stdout)).toEqual({ ok: true, slave: 1, broadcast: false, function: 6, table: "holding-registers", address: 130, count: 1, raw: [7] });
  });

  it("reports the device's exception 03 for a baud rate it does not support, exit 1", async () => {
    expect(await modbus("write", "--tcp", tcp, "baud", "1000")).toEqual({
      code: EXIT.failed,
      stdout: "",
      stderr: "fieldnode modbus: slave 1 answered function 06 at address 1 with exception 03 illegal data value\n",
    });
  });

  it("refuses to write a read-only entry before sending anything, exit 2", async () => {
    expect(await modbus("write", "--tcp", tcp, "uptime", "5")).toEqual({
      code: EXIT.usage,
      stdout: "",
      stderr: "fieldnode modbus: device.uptime is read-only (input registers are read-only in Modbus)\n",
    });
  });
});

describe("fieldnode modbus, command line", () => {
  it("rejects an unknown flag, exit 2", async () => {
    expect(await modbus("read", "--tcp", "1502", "--bogus", "baud")).toEqual({
      code: EXIT.usage,
      stdout: "",
      stderr: "fieldnode modbus: Unknown option '--bogus'; see 'fieldnode modbus read --help'\n",
    });
  });

  it("rejects line settings with --tcp, exit 2", async () => {
    expect((await modbus("read", "--tcp", "1502", "--baud", "9600", "baud")).stderr).toBe(
      "fieldnode modbus: --baud applies to --port only; over --tcp the gateway's serial side sets the line\n",
    );
  });

  it("asks for a connection when there is none, exit 2", async () => {
    expect(await modbus("read", "baud")).toEqual({
      code: EXIT.usage,
      stdout: "",
      stderr: "fieldnode modbus: give --port PATH (serial port or pty) or --tcp HOST:PORT (RTU over TCP); see 'fieldnode modbus read --help'\n",
    });
  });

  it("points --address without --table at --slave, exit 2", async () => {
    expect((await modbus("read", "--tcp", "1502", "--address", "3", "baud")).stderr).toBe(
      "fieldnode modbus: --address goes with --table (raw cells); the slave's own address is --slave N; see 'fieldnode modbus read --help'\n",
    );
  });

  it("refuses a value that does not fit the entry's type, exit 2", async () => {
    expect(await modbus("write", "--tcp", "1502", "baud", "7000000")).toEqual({
      code: EXIT.usage,
      stdout: "",
      stderr: "fieldnode modbus: 7000000 does not fit config.baud (uint16 ×0.01: 0 to 6553500)\n",
    });
  });

  it("reports a serial port that does not exist, exit 3", async () => {
    expect(await modbus("read", "--port", join(dir, "ttyNONE"), "baud")).toEqual({
      code: EXIT.io,
      stdout: "",
      stderr: `fieldnode modbus: cannot open ${join(dir, "ttyNONE")}: no such port; check the adapter is plugged in and the path (ls /dev/ttyUSB* /dev/ttyACM* /dev/serial/by-id/)\n`,
    });
  });

  it.each([["modbus"], ["modbus", "read"], ["modbus", "write"]])("%s --help describes read and write, exit 0", async (...command) => {
    const run = await cli(...command, "--help");
    expect(run.code).toBe(EXIT.ok);
    expect(run.stdout).toMatch(/^usage: fieldnode modbus read {2}CONNECTION \[--register-map FILE\] NAME\.\.\.\n/);
    expect(run.stdout).toContain("fieldnode modbus write CONNECTION --table holding|coils --address A [--multiple] VALUE...\n");
  });
});

describe.skipIf(socat === undefined)("fieldnode modbus on the pseudo-terminal (serialport)", () => {
  it("reads config.baud by name at 19200 8E1", async () => {
    expect(await modbus("read", "--port", ptyPath, "baud")).toEqual({ code: EXIT.ok, stdout: "config.baud = 19200  (holding register 1: 192)\n", stderr: "" });
  });

  it("writes a register and reads it back", async () => {
    expect((await modbus("write", "--port", ptyPath, "--table", "holding", "--address", "140", "4242")).stdout).toBe(
      "wrote holding register 140: 4242 with function 06 (write single register)\n",
    );
    expect((await modbus("read", "--port", ptyPath, "--table", "holding", "--address", "140")).stdout).toBe("holding register 140: 4242 (0x1092)\n");
  });

  it("names the port and line settings when nothing answers, exit 3", async () => {
    expect((await modbus("read", "--port", ptyPath, "--slave", "7", "--timeout", "200", "--retries", "0", "baud")).stderr).toBe(
      `fieldnode modbus: no reply from slave 7 on ${ptyPath} at 19200 8E1 within 200 ms (1 attempt); check the slave address (--slave), the line settings (the device must use 19200 8E1 too: --baud, --parity, --stop-bits), the A/B wiring and termination\n`,
    );
  });
});
