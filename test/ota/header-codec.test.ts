import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { toHex } from "../../firmware/crypto/hex";
import { OtaError, type OtaErrorCode } from "../../firmware/ota/errors";
import { decodeHeader, encodeHeader, readU16, readU32, type HeaderFields } from "../../firmware/ota/header-codec";
import { FIELD, FIXED_HEADER_LENGTH, MAX_HEADER_LENGTH, TLV } from "../../firmware/ota/image-format";
import { formatSemver } from "../../firmware/ota/semver";
import { semver } from "./support/image-builder";

const FIELDS: HeaderFields = {
  algorithm: "ecdsa-p256-sha256",
  payloadLength: 123456,
  payloadCrc32: 0xcafebabe,
  payloadSha256: Uint8Array.from({ length: 32 }, (_, i) => i),
  securityCounter: 7,
  version: semver("2.10.3"),
  target: "esp32/fieldnode-v1",
  keyId: Uint8Array.of(1, 2, 3, 4, 5, 6, 7, 8),
};

/** An encoded header with a (fake) signature: decodeHeader does not check it. */
function header(fields: Partial<HeaderFields> = {}): Uint8Array {
  const bytes = encodeHeader({ ...FIELDS, ...fields });
  bytes.fill(0x5a, bytes.length - 64);
  return bytes;
}

function codeOf(action: () => unknown): OtaErrorCode | "ok" | string {
  try {
    action();
    return "ok";
  } catch (error) {
    return error instanceof OtaError ? error.code : `not an OtaError: ${String(error)}`;
  }
}

function edited(bytes: Uint8Array, edit: (b: Uint8Array) => void): Uint8Array {
  const copy = bytes.slice();
  edit(copy);
  return copy;
}

const writeU16 = (b: Uint8Array, at: number, v: number): void => {
  b[at] = v & 0xff;
  b[at + 1] = v >>> 8;
};

describe("image header codec", () => {
  it("puts every fixed field where docs/ota-image-format.md says", () => {
    const bytes = header();
    expect(String.fromCharCode(...bytes.subarray(0, 4))).toBe("FNOT");
    expect(readU16(bytes, FIELD.formatVersion)).toBe(1);
    expect(readU16(bytes, FIELD.headerLength)).toBe(bytes.length);
    expect(bytes.length).toBe(FIXED_HEADER_LENGTH + 64);
    expect(readU16(bytes, FIELD.extensionsLength)).toBe(0);
    expect(bytes[FIELD.algorithm]).toBe(1);
    expect(bytes[FIELD.flags]).toBe(0);
    expect(readU32(bytes, FIELD.payloadLength)).toBe(123456);
    expect(readU32(bytes, FIELD.payloadCrc32)).toBe(0xcafebabe);
    expect(toHex(bytes.subarray(FIELD.payloadSha256, FIELD.payloadSha256 + 32))).toBe(toHex(FIELDS.payloadSha256));
    expect(readU32(bytes, FIELD.securityCounter)).toBe(7);
    expect([readU16(bytes, FIELD.versionMajor), readU16(bytes, FIELD.versionMinor), readU16(bytes, FIELD.versionPatch)]).toEqual([2, 10, 3]);
    expect(readU16(bytes, FIELD.reserved)).toBe(0);
    expect(String.fromCharCode(...bytes.subarray(FIELD.target, FIELD.target + 18))).toBe("esp32/fieldnode-v1");
    expect([...bytes.subarray(FIELD.target + 18, FIELD.keyId)].every((b) => b === 0)).toBe(true);
    expect([...bytes.subarray(FIELD.keyId, FIELD.keyId + 8)]).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    // Little-endian, as on the ESP32.
    expect([...bytes.subarray(FIELD.payloadCrc32, FIELD.payloadCrc32 + 4)]).toEqual([0xbe, 0xba, 0xfe, 0xca]);
  });

  it("round-trips every field, for both algorithms, with pre-release, build and unknown extensions", () => {
    const future = { type: 0x0123, critical: false, value: Uint8Array.of(9, 9, 9) };
    for (const algorithm of ["ecdsa-p256-sha256", "ed25519"] as const) {
      const bytes = header({ algorithm, version: semver("3.0.0-rc.2+sha.abc"), extraExtensions: [future] });
      const decoded = decodeHeader(bytes);
      expect(decoded.algorithm).toBe(algorithm);
      expect(formatSemver(decoded.version)).toBe("3.0.0-rc.2+sha.abc");
      expect(decoded.target).toBe("esp32/fieldnode-v1");
      expect(decoded.payloadLength).toBe(123456);
      expect(decoded.payloadCrc32).toBe(0xcafebabe);
      expect(decoded.securityCounter).toBe(7);
      expect(decoded.extensions.map((e) => [e.type, e.critical, toHex(e.value)])).toEqual([
        [TLV.VERSION_PRERELEASE, true, toHex(Uint8Array.from("rc.2", (c) => c.charCodeAt(0)))],
        [TLV.VERSION_BUILD, false, toHex(Uint8Array.from("sha.abc", (c) => c.charCodeAt(0)))],
        [0x0123, false, "090909"],
      ]);
      expect(decoded.signedLength).toBe(bytes.length - 64);
      expect(decoded.headerLength).toBe(bytes.length);
      expect(toHex(decoded.signature)).toBe("5a".repeat(64));
    }
  });

  it("decodes copies, not views into the caller's buffer", () => {
    const bytes = header();
    const decoded = decodeHeader(bytes);
    bytes.fill(0);
    expect(toHex(decoded.payloadSha256)).toBe(toHex(FIELDS.payloadSha256));
    expect(decoded.keyId[0]).toBe(1);
  });

  const good = header({ version: semver("1.0.0-rc.1") });
  const extAt = FIXED_HEADER_LENGTH;
  it.each<[string, (b: Uint8Array) => void, OtaErrorCode | "ok"]>([
    ["wrong magic", (b) => (b[0] = 0x7f), "BAD_MAGIC"],
    ["format version 0", (b) => writeU16(b, FIELD.formatVersion, 0), "UNSUPPORTED_VERSION"],
    ["format version 2", (b) => writeU16(b, FIELD.formatVersion, 2), "UNSUPPORTED_VERSION"],
    ["algorithm 0", (b) => (b[FIELD.algorithm] = 0), "UNSUPPORTED_ALGORITHM"],
    ["algorithm 3", (b) => (b[FIELD.algorithm] = 3), "UNSUPPORTED_ALGORITHM"],
    ["header length one short", (b) => writeU16(b, FIELD.headerLength, b.length - 1), "MALFORMED_HEADER"],
    ["header length one long", (b) => writeU16(b, FIELD.headerLength, b.length + 1), "MALFORMED_HEADER"],
    ["header length 0", (b) => writeU16(b, FIELD.headerLength, 0), "MALFORMED_HEADER"],
    ["header length 65535", (b) => writeU16(b, FIELD.headerLength, 0xffff), "MALFORMED_HEADER"],
    ["header length above the maximum, consistent", (b) => { writeU16(b, FIELD.headerLength, MAX_HEADER_LENGTH + 4); writeU16(b, FIELD.extensionsLength, MAX_HEADER_LENGTH + 4 - 168); }, "MALFORMED_HEADER"],
    ["extensions length past the header", (b) => writeU16(b, FIELD.extensionsLength, 0xffff), "MALFORMED_HEADER"],
    ["flags set", (b) => (b[FIELD.flags] = 0x80), "MALFORMED_HEADER"],
    ["reserved set", (b) => (b[FIELD.reserved] = 1), "MALFORMED_HEADER"],
    ["target empty", (b) => b.fill(0, FIELD.target, FIELD.keyId), "MALFORMED_HEADER"],
    ["target upper case", (b) => (b[FIELD.target] = 0x45), "MALFORMED_HEADER"],
    ["target with a NUL inside", (b) => (b[FIELD.target + 2] = 0), "MALFORMED_HEADER"],
    ["target with bytes after the padding", (b) => (b[FIELD.keyId - 1] = 0x61), "MALFORMED_HEADER"],
    ["target not ASCII", (b) => (b[FIELD.target + 1] = 0xc3), "MALFORMED_HEADER"],
    ["extension length past the signature", (b) => writeU16(b, extAt + 2, 200), "MALFORMED_HEADER"],
    ["pre-release with a +", (b) => (b[extAt + 6] = 0x2b), "MALFORMED_HEADER"],
    ["pre-release edited to rc.0, still well-formed", (b) => { b[extAt + 7] = 0x30; }, "ok"],
    ["unknown critical extension", (b) => writeU16(b, extAt, 0x8123), "UNSUPPORTED_FIELD"],
    ["unknown non-critical extension", (b) => writeU16(b, extAt, 0x0123), "ok"],
  ])("%s → %s", (_name, edit, code) => {
    expect(codeOf(() => decodeHeader(edited(good, edit)))).toBe(code);
  });

  it("refuses an extension header cut off by the signature, and duplicate extensions", () => {
    // Three bytes of extension area: too short for a TLV header.
    const cut = encodeHeader({ ...FIELDS, extraExtensions: [{ type: 0x0100, critical: false, value: new Uint8Array(0) }] });
    const shortened = new Uint8Array(cut.length - 1);
    shortened.set(cut.subarray(0, FIXED_HEADER_LENGTH + 3));
    shortened.set(cut.subarray(FIXED_HEADER_LENGTH + 4), FIXED_HEADER_LENGTH + 3);
    writeU16(shortened, FIELD.headerLength, shortened.length);
    writeU16(shortened, FIELD.extensionsLength, 3);
    expect(codeOf(() => decodeHeader(shortened))).toBe("MALFORMED_HEADER");

    const twice = header({ extraExtensions: [{ type: 0x0100, critical: false, value: Uint8Array.of(1) }, { type: 0x0100, critical: false, value: Uint8Array.of(2) }] });
    expect(codeOf(() => decodeHeader(twice))).toBe("MALFORMED_HEADER");
  });

  it("reports a header shorter than it says as TRUNCATED, and the prefix checks first", () => {
    const bytes = header();
    for (let length = 0; length < bytes.length; length++) {
      const code = codeOf(() => decodeHeader(bytes.subarray(0, length)));
      expect(code).toBe("TRUNCATED");
    }
    expect(codeOf(() => decodeHeader(Uint8Array.of(0x46, 0x4e, 0x4f, 0x55)))).toBe("BAD_MAGIC");
  });

  it("never fails with anything but an OtaError, whatever the bytes", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 400 }), fc.boolean(), (noise, keepPrefix) => {
        const bytes = keepPrefix ? new Uint8Array([...good.subarray(0, 12), ...noise]) : noise;
        const code = codeOf(() => decodeHeader(bytes));
        expect(code.startsWith("not an OtaError")).toBe(false);
      }),
      { numRuns: 2000, seed: 0xdec0de },
    );
  });

  it("refuses to encode what it could not decode", () => {
    expect(() => encodeHeader({ ...FIELDS, target: "ESP32" })).toThrow(RangeError);
    expect(() => encodeHeader({ ...FIELDS, target: "a".repeat(33) })).toThrow(RangeError);
    expect(() => encodeHeader({ ...FIELDS, securityCounter: 2 ** 32 })).toThrow(RangeError);
    expect(() => encodeHeader({ ...FIELDS, payloadLength: -1 })).toThrow(RangeError);
    expect(() => encodeHeader({ ...FIELDS, keyId: new Uint8Array(7) })).toThrow(RangeError);
    expect(() => encodeHeader({ ...FIELDS, version: { major: 70000, minor: 0, patch: 0, prerelease: [], build: [] } })).toThrow(RangeError);
    expect(() => encodeHeader({ ...FIELDS, extraExtensions: [{ type: 1, critical: false, value: new Uint8Array(900) }] })).toThrow(/allows 1024/);
  });
});
