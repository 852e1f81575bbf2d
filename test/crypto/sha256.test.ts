import { createHash } from "node:crypto";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { toHex } from "../../firmware/crypto/hex";
import { PORTS } from "./ports";

const ascii = (text: string): Uint8Array => Uint8Array.from(text, (c) => c.charCodeAt(0));

/** FIPS 180-4 examples (NIST CSRC "SHA256.pdf", "SHA2_Additional.pdf"). */
const VECTORS: Array<[string, Uint8Array, string]> = [
  ["empty", new Uint8Array(0), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"],
  ["abc", ascii("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"],
  ["448 bits", ascii("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"), "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"],
  ["896 bits", ascii("abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmnhijklmnoijklmnopjklmnopqklmnopqrlmnopqrsmnopqrstnopqrstu"), "cf5b16a778af8380036ce59e7b0492370b249b11e8f07a51afac45037afee9d1"],
  ["million a", new Uint8Array(1_000_000).fill(0x61), "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0"],
];

const digestOf = (sha: { update(d: Uint8Array): void; digestInto(o: Uint8Array, at?: number): void }, parts: Uint8Array[]): string => {
  for (const part of parts) sha.update(part);
  const out = new Uint8Array(32);
  sha.digestInto(out);
  return toHex(out);
};

const implementations = PORTS.map((port) => ({ name: `${port.name} port`, create: () => port.create().createSha256() }));

describe.each(implementations)("SHA-256: $name", ({ create }) => {
  it.each(VECTORS)("FIPS 180-4 example: %s", (_name, data, expected) => {
    expect(digestOf(create(), [data])).toBe(expected);
  });

  it("is reusable: digestInto resets, reset discards", () => {
    const sha = create();
    expect(digestOf(sha, [ascii("abc")])).toBe(VECTORS[1]![2]);
    expect(digestOf(sha, [ascii("abc")])).toBe(VECTORS[1]![2]);
    sha.update(ascii("garbage"));
    sha.reset();
    expect(digestOf(sha, [])).toBe(VECTORS[0]![2]);
  });

  it("writes the digest at an offset", () => {
    const sha = create();
    sha.update(ascii("abc"));
    const out = new Uint8Array(40).fill(0xee);
    sha.digestInto(out, 4);
    expect(toHex(out.subarray(4, 36))).toBe(VECTORS[1]![2]);
    expect([...out.subarray(0, 4), ...out.subarray(36)]).toEqual(new Array(8).fill(0xee));
  });

  it("any split of any input gives node:crypto's digest", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 700 }), fc.array(fc.nat({ max: 700 }), { maxLength: 6 }), (data, cuts) => {
        const points = [...new Set(cuts.map((c) => Math.min(c, data.length)))].sort((a, b) => a - b);
        const parts: Uint8Array[] = [];
        let from = 0;
        for (const point of points) {
          parts.push(data.subarray(from, point));
          from = point;
        }
        parts.push(data.subarray(from));
        expect(digestOf(create(), parts)).toBe(createHash("sha256").update(data).digest("hex"));
      }),
      { numRuns: 300, seed: 0x5a256 },
    );
  });

  it("reads views into larger buffers at their offset", () => {
    const backing = Uint8Array.from({ length: 300 }, (_, i) => (i * 7) & 0xff);
    const view = backing.subarray(13, 213);
    expect(digestOf(create(), [view])).toBe(createHash("sha256").update(view).digest("hex"));
  });
});
