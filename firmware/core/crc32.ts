/**
 * CRC-32 as zlib, PNG and Ethernet define it (reflected polynomial 0xEDB88320,
 * register preset to all ones, result inverted).
 *
 * The seed is a previous result, not a raw register value, so a stream can be
 * checked in pieces with fixed memory: crc32(b, crc32(a)) === crc32(a ++ b).
 * That is also exactly the convention of the ESP32 ROM's esp_rom_crc32_le
 * (it inverts the seed on entry and the register on exit), so ESP-IDF
 * expressions such as esp_rom_crc32_le(UINT32_MAX, buf, len) translate
 * directly to crc32(buf, 0xFFFFFFFF).
 */

const TABLE: Uint32Array = buildTable();

function buildTable(): Uint32Array {
  const table = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let bit = 0; bit < 8; bit++) {
      c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    }
    table[n] = c >>> 0;
  }
  return table;
}

/** Returns the CRC-32 of `data` continued from `seed` (0 starts a new CRC), as an unsigned 32-bit number. */
export function crc32(data: Uint8Array, seed: number = 0): number {
  let c = ~seed >>> 0;
  for (let i = 0; i < data.length; i++) {
    c = TABLE[(c ^ data[i]) & 0xff] ^ (c >>> 8);
  }
  return ~c >>> 0;
}
