/**
 * The device bundle (firmware/main.ts with the ESP32 platform) serving Modbus
 * on XS: Moddable's Serial (the simulator's ESP32 UART model behind the
 * fake provider) completed by the platform's uart.c calls (the fake mc/ffi
 * applies them to the model), burst reception, RS-485 driver enable, and the
 * firmware's slave behind it. Each scenario also checks its own result, so
 * equal-but-wrong answers on both engines fail too.
 */
import { appendCrc } from "../../../firmware/modbus/crc16";
import { LineMaster } from "../../../sim/serial/line-master";
import { clock, faults, ffiCalls, gpio, rs485, traced } from "../moddable/probe";
import "fieldnode:device-bundle";
import { toHex } from "./support/hex";

/** Returns the result, or throws when its own check failed: equal-but-wrong on both engines must fail. */
function checked<T extends { ok: boolean }>(result: T): T {
  if (!result.ok) throw new Error(`check failed: ${JSON.stringify(result)}`);
  return result;
}

const master = new LineMaster(rs485, clock, { baud: 19200, parity: "even", stopBits: 1 });
clock.advance(1);

function request(hex: string): string {
  const body = hex.split(" ").map((b) => parseInt(b, 16));
  const frame = new Uint8Array(body.length + 2);
  frame.set(body);
  appendCrc(frame, body.length);
  const before = master.frames.length;
  master.send(frame);
  clock.advance(200);
  const replies = master.frames.slice(before);
  return replies.length === 0 ? "none" : replies.map((r) => toHex(r.bytes)).join(" | ");
}

export const scenarios = {
  "the slave opens UART2 at 19200 8E1 through uart.c": () => {
    const line = traced.find((l) => l.startsWith("modbus: RTU slave"));
    return checked({
      line,
      ok: line === "modbus: RTU slave 1 on UART2, 19200 8E1",
      uartLine: ffiCalls.fieldnode_uart_line ?? 0,
      rs485: ffiCalls.fieldnode_rs485_begin ?? 0,
      faults: [...faults],
    });
  },

  "answers FC 03 with the configuration block": () => {
    const reply = request("01 03 00 00 00 04");
    return checked({ reply, ok: reply.startsWith("0103080001" + "00c0" + "0002" + "0001") });
  },

  "answers FC 04 with the firmware version and boot status from ESP-IDF": () => {
    const reply = request("01 04 00 02 00 08");
    // version 0.0.0-xs, boot count 1, slot 0 (ota_0), VALID, power-on
    return checked({ reply, ok: reply.startsWith("010410" + "0000" + "0000" + "0000" + "00000001" + "0000" + "0002" + "0001") });
  },

  "writes and reads back holding registers": () => {
    const write = request("01 10 00 64 00 02 04 12 34 56 78");
    const read = request("01 03 00 64 00 02");
    return checked({ write, read, ok: write.startsWith("011000640002") && read.startsWith("01030412345678") });
  },

  "drives DE (GPIO 4) for each reply and releases it": () => {
    const before = gpio.state(4).transitions;
    request("01 03 00 00 00 01");
    return checked({ edges: gpio.state(4).transitions - before, level: gpio.state(4).level, ok: gpio.state(4).transitions - before === 2 && gpio.state(4).level === 0 });
  },

  "ignores a frame with a bad CRC and another slave's frame": () => {
    const before = master.frames.length;
    master.send([0x01, 0x03, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00]);
    clock.advance(100);
    const other = request("02 03 00 00 00 01");
    return checked({ replies: master.frames.length - before, other, ok: master.frames.length === before && other === "none" });
  },

  "a minute later: still serving, no faults": () => {
    clock.advance(60_000);
    const reply = request("01 08 00 00 12 34");
    return checked({ reply, ok: reply.startsWith("010800001234"), faults: [...faults] });
  },
};
