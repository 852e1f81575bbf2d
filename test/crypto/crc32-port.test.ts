import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { crc32 } from "../../firmware/core/crc32";
import { PORTS } from "./ports";

/**
 * A port may compute CRC-32 natively (node: zlib.crc32), but it must be the
 * very function firmware/core/crc32.ts defines, seeds included.
 */
describe.each(PORTS)("CRC-32 of the $name port", ({ create }) => {
  const port = create();

  it("matches firmware/core/crc32 on known values", () => {
    const check = Uint8Array.from("123456789", (c) => c.charCodeAt(0));
    expect(port.crc32(check, 0)).toBe(0xcbf43926);
    expect(port.crc32(new Uint8Array(0), 0)).toBe(0);
    expect(port.crc32(new Uint8Array(0), 0xdeadbeef)).toBe(0xdeadbeef);
  });

  it("matches firmware/core/crc32 for any data and any seed, and continues incrementally", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 600 }), fc.integer({ min: 0, max: 0xffffffff }), fc.nat(600), (data, seed, cut) => {
        expect(port.crc32(data, seed)).toBe(crc32(data, seed));
        const at = Math.min(cut, data.length);
        expect(port.crc32(data.subarray(at), port.crc32(data.subarray(0, at), 0))).toBe(crc32(data));
      }),
      { numRuns: 300, seed: 0xc4c32 },
    );
  });
});
