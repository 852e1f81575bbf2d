/**
 * The benchmark's workload, run natively on Node and inside XS: one slave
 * transaction is the request's bytes going through the RTU framer (at once,
 * as the device's UART hands them over, or one character at a time, as the
 * simulator's wire does), the frame through the server (CRC, address,
 * function, register map), and the reply with its CRC in the transmit buffer.
 */
import { appendCrc } from "../../firmware/modbus/crc16";
import { RtuFramer } from "../../firmware/modbus/framer";
import { compileRegisterMap } from "../../firmware/modbus/register-map";
import { ModbusServer } from "../../firmware/modbus/server";
import { frameTiming } from "../../firmware/modbus/timing";

export type Kind = "fc03" | "fc10";

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

/**
 * A slave over a 100-register storage map, fed by `transact()`: "burst" hands
 * the request over at once, as the ESP32's UART FIFO does on the device;
 * "character" one character at a time, as the simulator's wire does.
 */
export function slave(mode: "burst" | "character" = "burst"): { transact(frame: Uint8Array): number; reply: Uint8Array } {
  const timing = frameTiming({ baud: 115200, parity: "even", stopBits: 1 });
  const server = new ModbusServer({
    map: compileRegisterMap({ blocks: [{ name: "h", table: "holding-registers", address: 0, source: "storage", count: 100 }] }, {}),
    address: 1,
    identity: { vendorName: "fieldnode", productCode: "fieldnode", majorMinorRevision: "0" },
  });
  const tx = new Uint8Array(256);
  let replyLength = 0;
  const framer = new RtuFramer(timing, mode, (frame, length, flags) => {
    replyLength = server.handleFrame(frame, length, flags, tx);
  });
  const one = new Uint8Array(1);
  const characterUs = timing.characterUs;
  const gapUs = timing.t35Us + 2 * characterUs;
  // In an object field, not a closure variable: V8 boxes a changing double in a closure on every write.
  const clock = { now: 0 };
  return {
    reply: tx,
    transact(frame: Uint8Array): number {
      replyLength = 0;
      clock.now += gapUs;
      if (mode === "burst") {
        clock.now += frame.length * characterUs;
        framer.receiveBurst(frame, frame.length, clock.now, true, 0);
        return replyLength;
      }
      for (let i = 0; i < frame.length; i++) {
        one[0] = frame[i]!;
        clock.now += characterUs;
        framer.receive(one, 1, clock.now, 0);
      }
      framer.poll(clock.now + gapUs);
      return replyLength;
    },
  };
}

const clockMs: () => number = (() => {
  const performance = (globalThis as { performance?: { now(): number } }).performance;
  return performance !== undefined ? () => performance.now() : () => Date.now();
})();

/** Microseconds per transaction over `n` transactions (after a warm-up), and the last reply. */
export function measure(kind: Kind, n: number, mode: "burst" | "character" = "burst"): { usPerTransaction: number; reply: string; replyLength: number } {
  const s = slave(mode);
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
};
