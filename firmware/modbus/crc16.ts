/**
 * CRC-16/MODBUS (serial line spec §2.5.1.2, appendix B): initial value 0xFFFF,
 * reflected polynomial 0xA001, no final XOR; on the wire the low byte goes
 * first. Table-driven, one lookup per byte.
 *
 * Running the CRC over a frame *including* its two CRC bytes leaves 0, which
 * is how a received frame is checked without splitting it.
 */
// A plain array: XS reads its elements faster than a typed array's (about
// 30% less time per byte on xsnap), and V8 treats both the same.
const TABLE: number[] = [];
for (let n = 0; n < 256; n++) {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ 0xa001 : c >>> 1;
  TABLE.push(c);
}

export const CRC16_INIT = 0xffff;

/** CRC of bytes[start, end), continuing from `crc` (default: a fresh CRC). */
export function crc16(bytes: Uint8Array, start = 0, end = bytes.length, crc = CRC16_INIT): number {
  const table = TABLE;
  for (let i = start; i < end; i++) crc = (crc >>> 8) ^ table[(crc ^ bytes[i]!) & 0xff]!;
  return crc;
}

/** Appends the CRC of frame[0, length) at `length` (low byte first); returns the new length. */
export function appendCrc(frame: Uint8Array, length: number): number {
  const crc = crc16(frame, 0, length);
  frame[length] = crc & 0xff;
  frame[length + 1] = crc >>> 8;
  return length + 2;
}

/** True when frame[0, length) ends with the CRC of what precedes it. */
export function crcValid(frame: Uint8Array, length: number): boolean {
  return length >= 4 && crc16(frame, 0, length) === 0;
}
