import CRC32 from "crc-32";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { crc32 } from "../../../firmware/core/crc32";

describe("crc32 (firmware/core)", () => {
  it("gives the CRC-32 check value 0xCBF43926 for '123456789'", () => {
    expect(crc32(new TextEncoder().encode("123456789"))).toBe(0xcbf43926);
  });

  it("returns the seed for empty data", () => {
    expect(crc32(new Uint8Array(0))).toBe(0);
    expect(crc32(new Uint8Array(0), 0x12345678)).toBe(0x12345678);
  });

  it("agrees with the crc-32 package for any data and seed", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), fc.integer({ min: 0, max: 0xffffffff }), (data, seed) => {
        expect(crc32(data, seed)).toBe(CRC32.buf(data, seed | 0) >>> 0);
      }),
    );
  });

  it("continues a CRC across pieces: crc32(b, crc32(a)) === crc32(a ++ b)", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 100 }), fc.uint8Array({ maxLength: 100 }), (a, b) => {
        const whole = new Uint8Array(a.length + b.length);
        whole.set(a);
        whole.set(b, a.length);
        expect(crc32(b, crc32(a))).toBe(crc32(whole));
      }),
    );
  });
});
