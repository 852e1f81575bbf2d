/**
 * The sensors benchmark's outside world, in its own process as it would be in
 * the field: a Modbus master polling the device at full rate (modbus-serial
 * over the simulator's RTU-over-TCP bridge) and an HTTP server handing out an
 * OTA image at a Wi-Fi rate. The device's own work (UART, framer, server,
 * download, verification, flash) stays in the simulator's process.
 *
 * node --import tsx test/sensors/bench-load.ts IMAGE_FILE BYTES_PER_S MODBUS_PORT
 * stdout: {"url": …} once serving, {"modbus": "ready"} once the line is at
 * 115200 baud; stdin commands "count", "pause", "resume" (the master) and
 * "stop" each answer {"transactions": n, "errors": n}. The master starts paused.
 */
import { readFileSync } from "node:fs";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { performance } from "node:perf_hooks";
import * as readline from "node:readline";
import ModbusRTU from "modbus-serial";

const [imagePath, rateText, portText] = process.argv.slice(2);
const image = readFileSync(imagePath!);
const rate = Number(rateText);
const send = (message: object) => process.stdout.write(`${JSON.stringify(message)}\n`);

const server = http.createServer((_req, res) => {
  res.writeHead(200, { "content-length": String(image.length), "content-type": "application/octet-stream" });
  let offset = 0;
  const started = performance.now();
  const pace = () => {
    if (res.destroyed) return;
    const due = Math.min(image.length, Math.floor(((performance.now() - started) / 1000) * rate) + 8192);
    if (due > offset) {
      res.write(image.subarray(offset, due));
      offset = due;
    }
    if (offset >= image.length) res.end();
    else setTimeout(pace, 20);
  };
  pace();
});
server.listen(0, "127.0.0.1", () => send({ url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/fieldnode-2.0.0.bin` }));

let running = true;
let paused = true;
let resume: (() => void) | undefined;
let transactions = 0;
let errors = 0;
const master = new ModbusRTU();
await master.connectTelnet("127.0.0.1", { port: Number(portText) });
master.setID(1);
master.setTimeout(1_000);
await master.writeRegister(1, 1152); // 115200 baud from the next request on
await new Promise((resolve) => setTimeout(resolve, 50));
send({ modbus: "ready" });
const polling = (async () => {
  while (running) {
    if (paused) await new Promise<void>((r) => (resume = r));
    try {
      await master.readHoldingRegisters(100, 10);
      transactions++;
    } catch {
      errors++;
    }
  }
})();

readline.createInterface({ input: process.stdin }).on("line", async (line) => {
  const command = line.trim();
  if (command === "pause") paused = true;
  if (command === "resume") {
    paused = false;
    resume?.();
  }
  if (command === "count" || command === "pause" || command === "resume") send({ transactions, errors });
  if (command !== "stop") return;
  running = false;
  paused = false;
  resume?.();
  await polling;
  send({ transactions, errors });
  master.close(() => {
    server.close();
    server.closeAllConnections();
    process.exit(0);
  });
});
