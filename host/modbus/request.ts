/**
 * Modbus RTU requests a bench master sends (application protocol v1.1b3
 * §6.1-6.6, 6.11, 6.12): reads of the four tables and single/multiple writes
 * of coils and holding registers, encoded as whole ADUs (slave address, PDU,
 * CRC-16 low byte first, with the firmware's CRC).
 */
import { appendCrc } from "../../firmware/modbus/crc16";

export const READ_COILS = 0x01;
export const READ_DISCRETE_INPUTS = 0x02;
export const READ_HOLDING_REGISTERS = 0x03;
export const READ_INPUT_REGISTERS = 0x04;
export const WRITE_SINGLE_COIL = 0x05;
export const WRITE_SINGLE_REGISTER = 0x06;
export const WRITE_MULTIPLE_COILS = 0x0f;
export const WRITE_MULTIPLE_REGISTERS = 0x10;

export type ReadFunction = typeof READ_COILS | typeof READ_DISCRETE_INPUTS | typeof READ_HOLDING_REGISTERS | typeof READ_INPUT_REGISTERS;

export interface ReadRequest {
  readonly fc: ReadFunction;
  readonly slave: number;
  readonly address: number;
  readonly count: number;
}
export interface WriteCoilRequest {
  readonly fc: typeof WRITE_SINGLE_COIL;
  readonly slave: number;
  readonly address: number;
  readonly value: boolean;
}
export interface WriteRegisterRequest {
  readonly fc: typeof WRITE_SINGLE_REGISTER;
  readonly slave: number;
  readonly address: number;
  readonly value: number;
}
export interface WriteCoilsRequest {
  readonly fc: typeof WRITE_MULTIPLE_COILS;
  readonly slave: number;
  readonly address: number;
  readonly values: readonly boolean[];
}
export interface WriteRegistersRequest {
  readonly fc: typeof WRITE_MULTIPLE_REGISTERS;
  readonly slave: number;
  readonly address: number;
  readonly values: readonly number[];
}
export type ModbusRequest = ReadRequest | WriteCoilRequest | WriteRegisterRequest | WriteCoilsRequest | WriteRegistersRequest;

/** Per-request quantity limits of the spec (§6.1-6.4, 6.11, 6.12). */
export const MAX_READ_BITS = 2000;
export const MAX_READ_REGISTERS = 125;
export const MAX_WRITE_COILS = 1968;
export const MAX_WRITE_REGISTERS = 123;

/** Address 0 is broadcast: slaves execute writes and never answer. */
export const BROADCAST = 0;

export function isBitFunction(fc: number): boolean {
  return fc === READ_COILS || fc === READ_DISCRETE_INPUTS || fc === WRITE_SINGLE_COIL || fc === WRITE_MULTIPLE_COILS;
}

/** How many cells (bits or registers) the request reads or writes. */
export function requestCount(request: ModbusRequest): number {
  switch (request.fc) {
    case WRITE_SINGLE_COIL:
    case WRITE_SINGLE_REGISTER:
      return 1;
    case WRITE_MULTIPLE_COILS:
    case WRITE_MULTIPLE_REGISTERS:
      return request.values.length;
    default:
      return request.count;
  }
}

/** Why the request cannot be sent as it is (a slave would answer 03, or nobody would answer), or undefined. */
export function requestProblem(request: ModbusRequest): string | undefined {
  const { slave, address } = request;
  if (!Number.isInteger(slave) || slave < 0 || slave > 247) return `slave address ${slave} is not 0 (broadcast) or 1-247`;
  const isRead = request.fc <= READ_INPUT_REGISTERS;
  if (isRead && slave === BROADCAST) return "a read cannot be broadcast (slave address 0): nobody answers it";
  if (!Number.isInteger(address) || address < 0 || address > 0xffff) return `address ${address} is not 0-65535`;
  const count = requestCount(request);
  const max = isRead
    ? isBitFunction(request.fc)
      ? MAX_READ_BITS
      : MAX_READ_REGISTERS
    : request.fc === WRITE_MULTIPLE_COILS
      ? MAX_WRITE_COILS
      : request.fc === WRITE_MULTIPLE_REGISTERS
        ? MAX_WRITE_REGISTERS
        : 1;
  if (!Number.isInteger(count) || count < 1 || count > max) return `${count} ${isBitFunction(request.fc) ? "bits" : "registers"} is not 1-${max} for function ${hexByte(request.fc)}`;
  if (address + count > 0x10000) return `${count} cells from address ${address} run past 65535`;
  const registers = request.fc === WRITE_SINGLE_REGISTER ? [request.value] : request.fc === WRITE_MULTIPLE_REGISTERS ? request.values : [];
  for (const value of registers) {
    if (!Number.isInteger(value) || value < 0 || value > 0xffff) return `register value ${value} is not 0-65535`;
  }
  return undefined;
}

/** The request as an RTU frame with its CRC. Throws RangeError when requestProblem() has one. */
export function encodeRequest(request: ModbusRequest): Uint8Array {
  const problem = requestProblem(request);
  if (problem !== undefined) throw new RangeError(problem);
  const count = requestCount(request);
  let pduLength = 5;
  if (request.fc === WRITE_MULTIPLE_COILS) pduLength = 6 + Math.ceil(count / 8);
  else if (request.fc === WRITE_MULTIPLE_REGISTERS) pduLength = 6 + 2 * count;
  const frame = new Uint8Array(1 + pduLength + 2);
  frame[0] = request.slave;
  frame[1] = request.fc;
  frame[2] = request.address >>> 8;
  frame[3] = request.address & 0xff;
  switch (request.fc) {
    case WRITE_SINGLE_COIL:
      // §6.5: FF 00 is ON, 00 00 is OFF; any other value is refused with 03.
      frame[4] = request.value ? 0xff : 0x00;
      frame[5] = 0x00;
      break;
    case WRITE_SINGLE_REGISTER:
      frame[4] = request.value >>> 8;
      frame[5] = request.value & 0xff;
      break;
    case WRITE_MULTIPLE_COILS:
      frame[4] = count >>> 8;
      frame[5] = count & 0xff;
      frame[6] = Math.ceil(count / 8);
      // Packed LSB first: coil `address` is bit 0 of the first byte (§6.11).
      request.values.forEach((on, i) => {
        if (on) frame[7 + (i >>> 3)]! |= 1 << (i & 7);
      });
      break;
    case WRITE_MULTIPLE_REGISTERS:
      frame[4] = count >>> 8;
      frame[5] = count & 0xff;
      frame[6] = 2 * count;
      request.values.forEach((value, i) => {
        frame[7 + 2 * i] = value >>> 8;
        frame[8 + 2 * i] = value & 0xff;
      });
      break;
    default:
      frame[4] = count >>> 8;
      frame[5] = count & 0xff;
  }
  appendCrc(frame, frame.length - 2);
  return frame;
}

export function hexByte(value: number): string {
  return value.toString(16).padStart(2, "0").toUpperCase();
}
