/**
 * firmware/core/crc32.ts on both engines. CRC-32 guards the config records and
 * the ESP-IDF otadata, so a result that differed on the device would make it
 * reject its own flash. Each scenario also checks against fixed vectors or the
 * independent crc-32 package: equal-but-wrong on both engines must fail too.
 */
import * as reference from "crc-32";
import { crc32 } from "../../../firmware/core/crc32";
import { noise } from "../../ota/support/prng";
import { u32Hex } from "./support/hex";

function ascii(text: string): Uint8Array {
  const bytes = new Uint8Array(text.length);
  for (let i = 0; i < text.length; i++) bytes[i] = text.charCodeAt(i);
  return bytes;
}

/** crc-32 returns a signed int32; the firmware an unsigned one. */
const referenceCrc = (data: Uint8Array, seed?: number): number => reference.buf(data, seed) >>> 0;

function u32le(value: number): Uint8Array {
  const bytes = new Uint8Array(4);
  new DataView(bytes.buffer).setUint32(0, value, true);
  return bytes;
}

export const scenarios = {
  knownVectors() {
    const vectors: Array<[string, Uint8Array, string]> = [
      ["empty", new Uint8Array(0), "00000000"],
      ["a", ascii("a"), "e8b7be43"],
      ["check", ascii("123456789"), "cbf43926"],
      ["fox", ascii("The quick brown fox jumps over the lazy dog"), "414fa339"],
      ["bytes0to255", Uint8Array.from({ length: 256 }, (_, i) => i), "29058c73"],
    ];
    const results = vectors.map(([name, data, expected]) => ({ name, crc: u32Hex(crc32(data)), expected }));
    return { results, allMatch: results.every((r) => r.crc === r.expected) };
  },

  /** ESP-IDF's otadata CRC: esp_rom_crc32_le(UINT32_MAX, &ota_seq, 4). */
  otadataSequenceCrc() {
    const crcs = [1, 2, 3].map((seq) => u32Hex(crc32(u32le(seq), 0xffffffff)));
    return { crcs, matchesEspIdf: crcs[0] === "4743989a" && crcs[1] === "55f63774" };
  },

  incrementalSplitsEverywhere() {
    const data = noise(97, 7);
    const whole = crc32(data);
    let disagreeing = 0;
    for (let cut = 0; cut <= data.length; cut++) {
      if (crc32(data.subarray(cut), crc32(data.subarray(0, cut))) !== whole) disagreeing++;
    }
    let byteByByte = 0;
    for (let i = 0; i < data.length; i++) byteByByte = crc32(data.subarray(i, i + 1), byteByByte);
    let threeWay = 0;
    for (const [from, to] of [
      [0, 10],
      [10, 10],
      [10, 60],
      [60, 97],
    ] as const) {
      threeWay = crc32(data.subarray(from, to), threeWay);
    }
    return { whole: u32Hex(whole), disagreeing, byteByByte: byteByByte === whole, threeWay: threeWay === whole };
  },

  seeds() {
    const data = ascii("123456789");
    const seeds = [0, 1, 0x7fffffff, 0x80000000, 0xdeadbeef, 0xffffffff];
    return {
      continued: seeds.map((seed) => u32Hex(crc32(data, seed))),
      referenceAgrees: seeds.every((seed) => crc32(data, seed) === referenceCrc(data, seed | 0)),
      // Nothing to continue with: the seed comes back unchanged.
      emptyKeepsSeed: seeds.map((seed) => crc32(new Uint8Array(0), seed) === seed),
      // A seed given as a signed int32 (as `| 0` arithmetic produces) means the same CRC.
      signedSeed: crc32(data, -1) === crc32(data, 0xffffffff),
    };
  },

  viewsIntoLargerBuffers() {
    const backing = noise(64, 99);
    const view = backing.subarray(5, 45);
    const copy = backing.slice(5, 45);
    const fromDataViewBuffer = new Uint8Array(backing.buffer, backing.byteOffset + 5, 40);
    return {
      crc: u32Hex(crc32(view)),
      sameAsCopy: crc32(view) === crc32(copy),
      sameThroughBufferView: crc32(fromDataViewBuffer) === crc32(copy),
    };
  },

  randomBuffersAgainstReference() {
    const mismatches: number[] = [];
    const crcs: string[] = [];
    for (let length = 0; length < 300; length += 13) {
      const data = noise(length, length + 1);
      const crc = crc32(data);
      crcs.push(u32Hex(crc));
      if (crc !== referenceCrc(data)) mismatches.push(length);
    }
    return { crcs, mismatches };
  },

  /**
   * An OTA image's worth, fed in flash-sector chunks the way the OTA path
   * streams it; also shows XS copes without a compute limit. One pass each
   * for firmware and reference only: XS runs a byte loop at roughly 150 ms
   * per MiB on the dev machine, so every extra pass here is felt in npm test.
   */
  oneMebibyteStreamed() {
    const data = noise(1 << 20, 0x1234);
    let crc = 0;
    for (let offset = 0; offset < data.length; offset += 4096) crc = crc32(data.subarray(offset, offset + 4096), crc);
    return {
      crc: u32Hex(crc),
      referenceAgrees: crc === referenceCrc(data),
      isUnsignedInteger: Number.isInteger(crc) && crc >= 0 && crc <= 0xffffffff,
    };
  },
} satisfies Record<string, () => unknown>;
