import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { decodeUtf8, encodeUtf8 } from "../../../firmware/core/utf8";

describe("portable UTF-8", () => {
  it("encodes exactly as TextEncoder for any string", () => {
    fc.assert(
      fc.property(fc.string({ unit: "binary" }), (text) => {
        expect(encodeUtf8(text)).toEqual(new TextEncoder().encode(text));
      }),
      { numRuns: 2000 },
    );
  });

  it("decodes exactly as TextDecoder for any byte sequence, valid or not", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 64 }), (bytes) => {
        expect(decodeUtf8(bytes)).toBe(new TextDecoder().decode(bytes));
      }),
      { numRuns: 5000 },
    );
  });

  it("encodes a four-byte code point from its surrogate pair", () => {
    expect([...encodeUtf8("\u{1F600}")]).toEqual([0xf0, 0x9f, 0x98, 0x80]);
  });

  it("decodes a slice without copying it out first", () => {
    expect(decodeUtf8(new Uint8Array([0x78, 0x68, 0x69, 0x78]), 1, 3)).toBe("hi");
  });
});
