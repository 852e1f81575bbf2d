/**
 * The benchmark's workload, run natively on Node and inside XS: one slave
 * transaction is the firmware's whole receive and transmit path, the
 * RtuSlave over a UART and timer service that allocate nothing and do
 * almost nothing (uart-double.ts):
 *
 * - the UART's onReadable: the error flags, read() into the receive buffer,
 *   the microsecond clock, the framer (at once, as the ESP32's FIFO hands a
 *   request over after its receive timeout; or one character at a time, as
 *   the simulator's wire does);
 * - the frame timer, armed, fired at t3.5, and its peek at the FIFO;
 * - the server: CRC, address, function, register map, the reply and its CRC;
 * - the reply written in FIFO-sized pieces, the transmit timer, and the
 *   end-of-transaction callback.
 *
 * Not included: what the device's natives do (Moddable's Serial copying to
 * and from the hardware FIFO, its interrupt and the event loop's dispatch of
 * onReadable, its timer service). The stand-ins' own work replaces it and is
 * included: native copies of the bytes, a scan of four timer slots.
 *
 * For comparison, `framerAndServer` is the core alone: the request handed to
 * the framer at once, the frame to the server, no UART, timers or slave.
 */
import { appendCrc } from "../../firmware/modbus/crc16";
import { compileRegisterMap } from "../../firmware/modbus/register-map";
import { RtuFramer } from "../../firmware/modbus/framer";
import { RtuSlave, receiveTimeoutCharacters } from "../../firmware/modbus/rtu-slave";
import { ModbusServer } from "../../firmware/modbus/server";
import { frameTiming, type LineFormat } from "../../firmware/modbus/timing";
import { UartDouble } from "./uart-double";

export type Kind = "fc03" | "fc10";

export const BENCH_LINE: LineFormat = { baud: 115200, parity: "even", stopBits: 1 };

export function request(kind: Kind): Uint8Array {
  const body =
    kind === "fc03"
      ? [0x01, 0x03, 0x00, 0x00, 0x00, 0x0a]
      : [0x01, 0x10, 0x00, 0x00, 0x00, 0x0a, 0x14, ...Array.from({ length: 20 }, (_, i) => (i * 7) & 0xff)];
  const frame = new Uint8Array(body.length + 2);
  frame.set(body);
  appendCrc(frame, body.length);
  return frame;
}

export interface BenchSlave {
  /** Runs one transaction; returns the reply's length (0 for none), the reply in `reply`. */
  transact(frame: Uint8Array): number;
  readonly reply: Uint8Array;
  readonly server: ModbusServer;
}

/** A slave over `map` (default: a 100-register storage block) behind the UART double, at 115200 8E1. */
export function benchSlave(mode: "burst" | "character" = "burst", map = compileRegisterMap({ blocks: [{ name: "h", table: "holding-registers", address: 0, source: "storage", count: 100 }] }, {})): BenchSlave {
  const timing = frameTiming(BENCH_LINE);
  const server = new ModbusServer({ map, address: 1, identity: { vendorName: "fieldnode", productCode: "fieldnode", majorMinorRevision: "0" } });
  const uart = new UartDouble(mode);
  const slave = new RtuSlave({ port: uart.port, timer: uart.timers, clock: uart.clock, server, log: () => {} });
  slave.open(BENCH_LINE);
  uart.drained();
  const now = uart.now;
  const characterUs = timing.characterUs;
  const receiveTimeoutUs = receiveTimeoutCharacters(timing) * characterUs;
  const quietUs = timing.t35Us + 2 * characterUs;
  const one = new Uint8Array(1);
  return {
    reply: uart.transmitted,
    server,
    transact(frame: Uint8Array): number {
      uart.transmittedLength = 0;
      now[0] += quietUs;
      if (mode === "burst") {
        uart.arrive(frame, frame.length);
        // Reported by the receive timeout, after the last character.
        now[0] += frame.length * characterUs + receiveTimeoutUs;
        uart.readable();
      } else {
        for (let i = 0; i < frame.length; i++) {
          one[0] = frame[i]!;
          uart.arrive(one, 1);
          now[0] += characterUs;
          uart.readable();
        }
      }
      uart.settle();
      uart.drained();
      return uart.transmittedLength;
    },
  };
}

/** The framer and server alone, fed the whole request at once (FIFO reports by timeout). */
export function framerAndServer(): { transact(frame: Uint8Array): number; reply: Uint8Array } {
  const timing = frameTiming(BENCH_LINE);
  const server = new ModbusServer({
    map: compileRegisterMap({ blocks: [{ name: "h", table: "holding-registers", address: 0, source: "storage", count: 100 }] }, {}),
    address: 1,
    identity: { vendorName: "fieldnode", productCode: "fieldnode", majorMinorRevision: "0" },
  });
  const tx = new Uint8Array(256);
  let replyLength = 0;
  const receiveTimeoutUs = receiveTimeoutCharacters(timing) * timing.characterUs;
  const framer = new RtuFramer(timing, "burst", (frame, length, flags) => {
    replyLength = server.handleFrame(frame, length, flags, tx);
  }, receiveTimeoutUs);
  const now = new Float64Array(1);
  return {
    reply: tx,
    transact(frame: Uint8Array): number {
      replyLength = 0;
      now[0] += timing.t35Us + (frame.length + 2) * timing.characterUs + receiveTimeoutUs;
      framer.receiveBurst(frame, frame.length, now[0]!, true, 0);
      framer.poll(now[0]! + timing.t35Us + timing.characterUs);
      return replyLength;
    },
  };
}

const clockMs: () => number = (() => {
  const performance = (globalThis as { performance?: { now(): number } }).performance;
  return performance !== undefined ? () => performance.now() : () => Date.now();
})();

/** Microseconds per transaction over `n` transactions (after a warm-up), and the last reply. */
export function measure(kind: Kind, n: number, mode: "burst" | "character" | "framer" = "burst"): { usPerTransaction: number; reply: string; replyLength: number } {
  const s = mode === "framer" ? framerAndServer() : benchSlave(mode);
  const frame = request(kind);
  let length = 0;
  for (let i = 0; i < Math.min(2000, n); i++) length = s.transact(frame);
  const start = clockMs();
  for (let i = 0; i < n; i++) length = s.transact(frame);
  const elapsed = clockMs() - start;
  let reply = "";
  for (let i = 0; i < length; i++) reply += s.reply[i]!.toString(16).padStart(2, "0");
  return { usPerTransaction: (elapsed * 1000) / n, reply, replyLength: length };
}

/** For the XS harness: each entry returns JSON. */
export const scenarios = {
  fc03: () => measure("fc03", 20_000),
  fc10: () => measure("fc10", 20_000),
  "fc03-character": () => measure("fc03", 20_000, "character"),
  "fc10-character": () => measure("fc10", 20_000, "character"),
  "fc03-framer": () => measure("fc03", 20_000, "framer"),
  "fc10-framer": () => measure("fc10", 20_000, "framer"),
};
