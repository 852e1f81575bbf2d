/**
 * CRC-8 as Sensirion specifies it for the SHT3x (datasheet §4.12): polynomial
 * 0x31 (x^8 + x^5 + x^4 + 1), initial value 0xFF, no reflection, no final XOR.
 * Every 16-bit word the chip sends is followed by this checksum; CRC(0xBEEF) = 0x92.
 */
const TABLE = buildTable();

function buildTable(): Uint8Array {
  const table = new Uint8Array(256);
  for (let byte = 0; byte < 256; byte++) {
    let crc = byte;
    for (let bit = 0; bit < 8; bit++) crc = crc & 0x80 ? ((crc << 1) ^ 0x31) & 0xff : (crc << 1) & 0xff;
    table[byte] = crc;
  }
  return table;
}

/** CRC-8 of `length` bytes of `data` from `offset`; allocation-free. */
export function crc8(data: Uint8Array, offset = 0, length = data.length - offset): number {
  let crc = 0xff;
  for (let i = offset, end = offset + length; i < end; i++) crc = TABLE[(crc ^ data[i]!) & 0xff]!;
  return crc;
}

/** CRC-8 of one 16-bit word, most significant byte first, as the chip sends it. */
export function crc8Word(word: number): number {
  return TABLE[TABLE[0xff ^ ((word >> 8) & 0xff)]! ^ (word & 0xff)]!;
}
