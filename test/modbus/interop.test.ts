/**
 * Real Modbus masters against the simulated device, in real time, through
 * the simulator's gateway: modbus-serial (npm) over RTU-over-TCP always, and
 * over a pseudo-terminal where socat is installed; mbpoll over the
 * pseudo-terminal where mbpoll and socat are installed. Missing tools skip
 * their tests with a message saying what to install.
 */
import { execFile, spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import ModbusRTU from "modbus-serial";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { findSocat } from "../../sim/serial/pty";
import { realTimeDevice, type RealTimeDevice } from "./device-fixture";

const dir = mkdtempSync(join(tmpdir(), "fieldnode-modbus-interop-"));
const socat = findSocat();
const mbpoll = spawnSync("mbpoll", ["-V"], { encoding: "utf8" }).error === undefined;
const ptyPath = join(dir, "ttyFIELDNODE");
if (socat === undefined) console.log("modbus interop: socat is not installed; skipping the pseudo-terminal tests (apt-get install socat)");
if (!mbpoll) console.log("modbus interop: mbpoll is not installed; skipping the mbpoll tests (apt-get install mbpoll)");
/** A Python that has pymodbus (Debian's python3-pymodbus goes with /usr/bin/python3). */
const python = ["/usr/bin/python3", "python3"].find((candidate) => spawnSync(candidate, ["-c", "import pymodbus"], { encoding: "utf8" }).status === 0);
if (python === undefined) console.log("modbus interop: no python3 with pymodbus; skipping the pymodbus tests (apt-get install python3-pymodbus)");

let node: RealTimeDevice;
beforeAll(async () => {
  node = await realTimeDevice(socat !== undefined ? { pty: ptyPath } : {});
}, 60_000);
afterAll(async () => {
  await node?.close();
  rmSync(dir, { recursive: true, force: true });
});

async function tcpClient(): Promise<ModbusRTU> {
  const client = new ModbusRTU();
  // modbus-serial's "telnet" port is RTU over TCP (connectTcpRTUBuffered is Modbus TCP with an MBAP header).
  await client.connectTelnet("127.0.0.1", { port: node.access.tcp!.port });
  client.setID(1);
  client.setTimeout(2000);
  return client;
}

describe("modbus-serial (npm) as master, RTU over TCP", () => {
  let client: ModbusRTU;
  beforeAll(async () => {
    client = await tcpClient();
  });
  afterAll(() => new Promise<void>((done) => client.close(() => done())));

  it("reads the configuration: address 1, 19200 baud, even parity, 1 stop bit", async () => {
    expect((await client.readHoldingRegisters(0, 4)).data).toEqual([1, 192, 2, 1]);
  });

  it("reads device status: version 1.2.3, boot 1 from ota_0, valid", async () => {
    const { data } = await client.readInputRegisters(2, 8);
    expect(data).toEqual([1, 2, 3, 0, 1, 0, 2, 1]);
  });

  it("writes and reads back holding registers (FC 10, 03) and one register (FC 06)", async () => {
    expect(await client.writeRegisters(100, [11, 22, 33])).toEqual({ address: 100, length: 3 });
    expect((await client.readHoldingRegisters(100, 3)).data).toEqual([11, 22, 33]);
    expect(await client.writeRegister(101, 0x1234)).toEqual({ address: 101, value: 0x1234 });
    expect((await client.readHoldingRegisters(100, 3)).data).toEqual([11, 0x1234, 33]);
  });

  it("writes and reads coils (FC 05, 0F, 01) and reads discrete inputs (FC 02)", async () => {
    await client.writeCoils(0, [true, false, true, true]);
    await client.writeCoil(5, true);
    expect((await client.readCoils(0, 8)).data).toEqual([true, false, true, true, false, true, false, false]);
    expect((await client.readDiscreteInputs(0, 3)).data.slice(0, 3)).toEqual([true, false, false]);
  });

  it("gets exception 02 for an unmapped register, and the connection keeps working", async () => {
    await expect(client.readHoldingRegisters(4, 1)).rejects.toMatchObject({ modbusCode: 2 });
    expect((await client.readHoldingRegisters(0, 1)).data).toEqual([1]);
  });

  it("gets no reply from another slave address (times out)", async () => {
    client.setID(2);
    client.setTimeout(300);
    await expect(client.readHoldingRegisters(0, 1)).rejects.toMatchObject({ name: "TransactionTimedOutError" });
    client.setID(1);
    client.setTimeout(2000);
    expect((await client.readHoldingRegisters(0, 1)).data).toEqual([1]);
  });

  it("two masters at once are served one request at a time", async () => {
    const other = await tcpClient();
    // Each master waits for its own reply (a Modbus master has one request out at a time); the two interleave.
    const poll = async (master: ModbusRTU, address: number) => {
      const seen: number[][] = [];
      for (let i = 0; i < 5; i++) seen.push((await master.readHoldingRegisters(address, 2)).data);
      return seen;
    };
    await client.writeRegisters(110, [1, 2, 3, 4]);
    const [a, b] = await Promise.all([poll(client, 110), poll(other, 112)]);
    expect(a).toEqual(Array(5).fill([1, 2]));
    expect(b).toEqual(Array(5).fill([3, 4]));
    await new Promise<void>((done) => other.close(() => done()));
  });
});

describe.skipIf(socat === undefined)("modbus-serial (npm) as master, on the pseudo-terminal", () => {
  let client: ModbusRTU;
  beforeAll(async () => {
    client = new ModbusRTU();
    await client.connectRTUBuffered(ptyPath, { baudRate: 19200, parity: "even", dataBits: 8, stopBits: 1 });
    client.setID(1);
    client.setTimeout(2000);
  });
  afterAll(() => new Promise<void>((done) => client.close(() => done())));

  it("reads and writes registers as through a USB RS-485 adapter (FC 10, 03)", async () => {
    await client.writeRegisters(150, [7, 8, 9]);
    expect((await client.readHoldingRegisters(150, 3)).data).toEqual([7, 8, 9]);
  });

  it("reads the device identification, basic objects (FC 2B / 0E)", async () => {
    const result = await client.readDeviceIdentification(1, 0);
    expect(Object.values(result.data)).toEqual(["fieldnode", "fieldnode", "1.2.3"]);
    expect(result.conformityLevel).toBe(0x82);
  });

  it("reports the server id (FC 11)", async () => {
    // Through writeFC17: modbus-serial's promise wrapper passes its callback where writeFC17 does not look for it.
    type Reply = { serverId: number; running: boolean; additionalData: Buffer };
    const writeFC17 = (client as unknown as { writeFC17(a: number, b: number, c: number, next: (e: Error | null, r: Reply) => void): void }).writeFC17.bind(client);
    const result = await new Promise<Reply>((done, fail) => writeFC17(1, 0, 0, (error, reply) => (error ? fail(error) : done(reply))));
    expect(result.serverId).toBe(0x46);
    expect(result.running).toBe(true);
    expect(result.additionalData.toString()).toBe("fieldnode 1.2.3 (sim)");
  });
});

describe.skipIf(python === undefined)("pymodbus as master, RTU over TCP", () => {
  it("diagnostics, comm event counter and log, read/write multiple, mask write, server id, device identification", async () => {
    const script = fileURLToPath(new URL("./pymodbus-master.py", import.meta.url));
    const out = await new Promise<string>((done, fail) =>
      execFile(python!, [script, "127.0.0.1", String(node.access.tcp!.port)], { timeout: 60_000 }, (error, stdout, stderr) => (error ? fail(new Error(`${error.message}\n${stderr}`)) : done(stdout))),
    );
    const r = JSON.parse(out) as Record<string, unknown>;
    expect(r).toMatchObject({
      query_data: [0xa537],
      clear_counters: [0],
      read: [1, 192],
      unmapped: { error: "Exception Response(131, 3, IllegalAddress)" },
      // Since the clear: the read, the unmapped read, this request.
      bus_message_count: [3],
      bus_exception_count: [1],
      slave_message_count: [5],
      diagnostic_register: [0],
      readwrite: [0, 7, 8],
      write: [190, 0x12],
      mask_write: [190, 0xf2, 0x25],
      after_mask: [0x17],
      // pymodbus reports status 0000 as true ("ready"); 9 successes since the clear.
      event_counter: [true, 9],
      event_log: { status: true, events: 9, messages: 12 },
      device_id: { conformity: 0x82, objects: { "0": "fieldnode", "1": "fieldnode", "2": "1.2.3", "4": "fieldnode field node", "5": "fieldnode (sim)", "6": "fieldnode firmware" } },
    });
    const log = (r.event_log as { log: number[] }).log;
    expect(log[0]).toBe(0x80);
    expect(log).toContain(0x41);
    // FC 11: server id 46, run indicator FF, then the description (pymodbus lumps them together).
    expect((r.server_id as { identifier: number[] }).identifier).toEqual([0x46, 0xff, ...Buffer.from("fieldnode 1.2.3 (sim)")]);
  });
});

describe.skipIf(socat === undefined || !mbpoll)("mbpoll as master, on the pseudo-terminal", () => {
  // Asynchronously: the simulated device runs on this process's event loop.
  const run = (args: string[], values: string[] = []) =>
    new Promise<{ code: number; out: string }>((done) => {
      execFile("mbpoll", ["-m", "rtu", "-a", "1", "-b", "19200", "-P", "even", "-1", "-o", "2", ...args, ptyPath, ...values], { timeout: 15_000 }, (error, stdout, stderr) => {
        done({ code: error === null ? 0 : typeof error.code === "number" ? error.code : 1, out: `${stdout}${stderr}` });
      });
    });
  const values = (out: string) => [...out.matchAll(/^\[(\d+)\]:\s+(-?\d+)/gm)].map((m) => [Number(m[1]), Number(m[2])]);

  it("reads input registers (FC 04): version and boot status", async () => {
    const { code, out } = await run(["-t", "3", "-r", "3", "-c", "8"]);
    expect(code, out).toBe(0);
    expect(values(out)).toEqual([[3, 1], [4, 2], [5, 3], [6, 0], [7, 1], [8, 0], [9, 2], [10, 1]]);
  });

  it("writes holding registers (FC 10) and reads them back (FC 03)", async () => {
    const write = await run(["-t", "4", "-r", "121"], ["1000", "65534", "3"]);
    expect(write.code, write.out).toBe(0);
    expect(write.out).toContain("Written 3 references.");
    const read = await run(["-t", "4", "-r", "121", "-c", "3"]);
    expect(values(read.out), read.out).toEqual([[121, 1000], [122, 65534], [123, 3]]);
  });

  it("writes a coil (FC 05) and reads coils (FC 01)", async () => {
    expect((await run(["-t", "0", "-r", "10"], ["1"])).code).toBe(0);
    const { out } = await run(["-t", "0", "-r", "9", "-c", "3"]);
    expect(values(out)).toEqual([[9, 0], [10, 1], [11, 0]]);
  });

  it("reads a 32-bit value (uptime, high word first)", async () => {
    const { code, out } = await run(["-t", "3:int", "-B", "-r", "1", "-c", "1"]);
    expect(code, out).toBe(0);
    expect(values(out)[0]![1]).toBeGreaterThanOrEqual(0);
  });

  it("reports the slave id (FC 11)", async () => {
    const { code, out } = await run(["-u"]);
    expect(code, out).toBe(0);
    expect(out).toMatch(/Id\s*:\s*0x46/);
    expect(out).toMatch(/Status\s*:\s*On/);
  });

  it("gets an illegal data address exception for an unmapped register", async () => {
    const { code, out } = await run(["-t", "4", "-r", "5", "-c", "1"]);
    expect(code).not.toBe(0);
    expect(out).toContain("Illegal data address");
  });
});
