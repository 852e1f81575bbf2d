/**
 * Checks a slave's reply against the request it answers and decodes it.
 * Never throws: whatever the bytes, the result is the decoded data, the
 * slave's exception, or an `invalid` result naming the first check that
 * failed, in the order a master has to apply them (length, CRC, slave
 * address, function code, byte count, echo).
 */
import { crc16 } from "../../firmware/modbus/crc16";
import {
  READ_COILS,
  READ_DISCRETE_INPUTS,
  READ_HOLDING_REGISTERS,
  READ_INPUT_REGISTERS,
  WRITE_MULTIPLE_COILS,
  WRITE_MULTIPLE_REGISTERS,
  WRITE_SINGLE_COIL,
  WRITE_SINGLE_REGISTER,
  hexByte,
  requestCount,
  type ModbusRequest,
} from "./request";

export type InvalidReason = "short" | "crc" | "slave" | "function" | "length" | "byte-count" | "echo";

export type ModbusResponse =
  /** FC 03, 04: the registers, 0-65535 each. */
  | { readonly kind: "registers"; readonly values: readonly number[] }
  /** FC 01, 02: exactly the bits asked for (the padding of the last byte is dropped). */
  | { readonly kind: "bits"; readonly values: readonly boolean[] }
  /** FC 05, 06, 0F, 10: the slave's echo matched the request. */
  | { readonly kind: "written" }
  | { readonly kind: "exception"; readonly code: number }
  | { readonly kind: "invalid"; readonly reason: InvalidReason; readonly message: string };

function invalid(reason: InvalidReason, message: string): ModbusResponse {
  return { kind: "invalid", reason, message };
}

/** Length of the normal reply to `request`: 5 + data bytes for reads, 8 for writes (the echo). */
export function expectedResponseLength(request: ModbusRequest): number {
  switch (request.fc) {
    case READ_COILS:
    case READ_DISCRETE_INPUTS:
      return 5 + Math.ceil(request.count / 8);
    case READ_HOLDING_REGISTERS:
    case READ_INPUT_REGISTERS:
      return 5 + 2 * request.count;
    default:
      return 8;
  }
}

/** Decodes `frame` (one whole ADU, CRC included) as the reply to `request`. */
export function decodeResponse(request: ModbusRequest, frame: Uint8Array): ModbusResponse {
  const length = frame.length;
  if (length < 5) return invalid("short", `reply of ${length} byte${length === 1 ? "" : "s"} is shorter than any Modbus reply (5)`);
  if (crc16(frame, 0, length) !== 0) {
    const got = frame[length - 2]! | (frame[length - 1]! << 8);
    const computed = crc16(frame, 0, length - 2);
    return invalid("crc", `CRC mismatch: reply carries ${hex16(got)}, its bytes give ${hex16(computed)}`);
  }
  if (frame[0] !== request.slave) return invalid("slave", `reply from slave ${frame[0]}, expected slave ${request.slave}`);
  const fc = frame[1]!;
  if (fc === (request.fc | 0x80)) {
    if (length !== 5) return invalid("length", `exception reply of ${length} bytes, expected 5`);
    return { kind: "exception", code: frame[2]! };
  }
  if (fc !== request.fc) return invalid("function", `reply has function code ${hexByte(fc)}, expected ${hexByte(request.fc)} (or ${hexByte(request.fc | 0x80)})`);
  const expected = expectedResponseLength(request);
  const count = requestCount(request);
  switch (request.fc) {
    case READ_COILS:
    case READ_DISCRETE_INPUTS:
    case READ_HOLDING_REGISTERS:
    case READ_INPUT_REGISTERS: {
      const byteCount = frame[2]!;
      if (byteCount !== expected - 5) return invalid("byte-count", `reply byte count ${byteCount}, expected ${expected - 5} for ${count} ${request.fc <= READ_DISCRETE_INPUTS ? "bits" : "registers"}`);
      if (length !== expected) return invalid("length", `reply of ${length} bytes, expected ${expected}`);
      if (request.fc === READ_HOLDING_REGISTERS || request.fc === READ_INPUT_REGISTERS) {
        return { kind: "registers", values: Array.from({ length: count }, (_, i) => (frame[3 + 2 * i]! << 8) | frame[4 + 2 * i]!) };
      }
      return { kind: "bits", values: Array.from({ length: count }, (_, i) => ((frame[3 + (i >>> 3)]! >>> (i & 7)) & 1) === 1) };
    }
    default: {
      if (length !== expected) return invalid("length", `reply of ${length} bytes, expected ${expected}`);
      const address = (frame[2]! << 8) | frame[3]!;
      const word = (frame[4]! << 8) | frame[5]!;
      let expectedWord: number;
      if (request.fc === WRITE_SINGLE_COIL) expectedWord = request.value ? 0xff00 : 0x0000;
      else if (request.fc === WRITE_SINGLE_REGISTER) expectedWord = request.value;
      else expectedWord = count;
      const what = request.fc === WRITE_MULTIPLE_COILS || request.fc === WRITE_MULTIPLE_REGISTERS ? "quantity" : "value";
      if (address !== request.address || word !== expectedWord) {
        return invalid("echo", `reply echoes address ${address} ${what} ${word}, the request had address ${request.address} ${what} ${expectedWord}`);
      }
      return { kind: "written" };
    }
  }
}

function hex16(value: number): string {
  return `0x${value.toString(16).padStart(4, "0")}`;
}
