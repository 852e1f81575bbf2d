import { sha256 } from "@noble/hashes/sha2.js";
import { describe, expect, it } from "vitest";
import { APP_DESC_MAGIC, buildAppImage, verifyAppImage, type AppImageInput } from "../../../sim/boot/esp-app-image";

const INPUT: AppImageInput = {
  version: "1.2.3",
  projectName: "fieldnode",
  secureVersion: 4,
  payload: new TextEncoder().encode("export default 42;\n"),
};
const SLOT = 0x1e0000;
const image = (input: Partial<AppImageInput> = {}): Uint8Array => buildAppImage({ ...INPUT, ...input });
const u32 = (bytes: Uint8Array, at: number): number => new DataView(bytes.buffer, bytes.byteOffset).getUint32(at, true);

/** Recomputes checksum and hash of a one-segment image, so a test can reach the checks behind them. */
function reseal(bytes: Uint8Array): Uint8Array {
  const length = u32(bytes, 28);
  const checksumAt = bytes.length - 33;
  let sum = 0xef;
  for (const byte of bytes.subarray(32, 32 + length)) sum ^= byte;
  bytes[checksumAt] = sum;
  bytes.set(sha256(bytes.subarray(0, checksumAt + 1)), checksumAt + 1);
  return bytes;
}

function rejection(bytes: Uint8Array, maxLength = SLOT): string {
  const result = verifyAppImage(bytes, maxLength);
  if (result.ok) throw new Error("expected the image to be rejected");
  return result.reason;
}

describe("buildAppImage", () => {
  it("is byte-for-byte the same for the same inputs", () => {
    expect(image()).toEqual(image());
  });

  it("starts with the esp_image_header_t of an ESP32 app with an appended hash", () => {
    expect(Array.from(image().subarray(0, 24))).toEqual([
      0xe9, 0x01, 0x02, 0x20, // magic, one segment, DIO, 40 MHz / 4 MB
      0x00, 0x10, 0x08, 0x40, // entry_addr 0x40081000
      0xee, 0x00, 0x00, 0x00, // wp_pin, spi_pin_drv
      0x00, 0x00, // chip_id ESP32
      0x00, 0x00, 0x00, 0x00, 0x00, // chip revisions
      0x00, 0x00, 0x00, 0x00, // reserved
      0x01, // hash_appended
    ]);
  });

  it("maps the first segment at 0x3F400020 and starts it with esp_app_desc_t", () => {
    const bytes = image();
    expect(u32(bytes, 24)).toBe(0x3f400020);
    expect(u32(bytes, 28) % 4).toBe(0);
    expect(u32(bytes, 32)).toBe(APP_DESC_MAGIC);
    expect(u32(bytes, 36)).toBe(4);
    expect(new TextDecoder().decode(bytes.subarray(48, 53))).toBe("1.2.3");
    expect(new TextDecoder().decode(bytes.subarray(80, 89))).toBe("fieldnode");
    expect(bytes.subarray(176, 208)).toEqual(sha256(INPUT.payload));
  });

  it("ends with the checksum as the last byte of a 16-byte block, then the SHA-256 of all before it", () => {
    const bytes = image();
    const checksumAt = bytes.length - 33;
    expect((checksumAt + 1) % 16).toBe(0);
    let sum = 0xef;
    for (const byte of bytes.subarray(32, 32 + u32(bytes, 28))) sum ^= byte;
    expect(bytes[checksumAt]).toBe(sum);
    expect(bytes.subarray(checksumAt + 1)).toEqual(sha256(bytes.subarray(0, checksumAt + 1)));
  });

  it("refuses strings that do not fit their esp_app_desc_t field", () => {
    expect(() => image({ version: "x".repeat(32) })).toThrow(/at most 31/);
  });
});

describe("verifyAppImage accepts", () => {
  it("a built image, returning its descriptor, payload and length", () => {
    const bytes = image({ time: "12:34:56", date: "Mar  1 2025" });
    const result = verifyAppImage(bytes, SLOT);
    expect(result).toEqual({
      ok: true,
      length: bytes.length,
      payload: INPUT.payload,
      descriptor: {
        secureVersion: 4,
        version: "1.2.3",
        projectName: "fieldnode",
        time: "12:34:56",
        date: "Mar  1 2025",
        idfVersion: "fieldnode-sim",
        appElfSha256: sha256(INPUT.payload),
      },
    });
  });

  it("an image followed by the rest of an erased slot", () => {
    const slot = new Uint8Array(64 * 1024).fill(0xff);
    const bytes = image();
    slot.set(bytes);
    expect(verifyAppImage(slot, slot.length)).toMatchObject({ ok: true, length: bytes.length });
  });

  it("an empty payload", () => {
    expect(verifyAppImage(image({ payload: new Uint8Array(0) }), SLOT)).toMatchObject({ ok: true, payload: new Uint8Array(0) });
  });

  it("an image with hash_appended cleared, unchecked by SHA-256 as in ESP-IDF without secure boot", () => {
    const bytes = image();
    bytes[23] = 0;
    expect(verifyAppImage(bytes, SLOT)).toMatchObject({ ok: true, length: bytes.length - 32 });
  });
});

describe("verifyAppImage rejects", () => {
  it("a wrong magic byte (an erased or foreign slot)", () => {
    expect(rejection(new Uint8Array(4096).fill(0xff))).toBe("image has invalid magic byte 0xff (expected 0xe9)");
  });

  it("more than 16 segments", () => {
    const bytes = image();
    bytes[1] = 17;
    expect(rejection(bytes)).toBe("image segment count 17 exceeds max 16");
  });

  it("an image for another chip", () => {
    const bytes = image();
    bytes[12] = 5;
    expect(rejection(bytes)).toBe("mismatch chip ID, expected 0, found 5");
  });

  it("a segment length that is not a multiple of 4", () => {
    const bytes = image();
    bytes[28] += 1;
    expect(rejection(bytes)).toMatch(/^invalid segment length 0x[0-9a-f]+ in segment 0$/);
  });

  it("a segment that runs past the partition", () => {
    const bytes = image();
    expect(rejection(bytes, 256)).toMatch(/^segment 0 data 0x20-0x[0-9a-f]+ runs past the end of the partition \(0x100\)$/);
  });

  it("a flipped payload byte, by the checksum", () => {
    const bytes = image();
    bytes[300] ^= 0x01;
    expect(rejection(bytes)).toMatch(/^checksum failed: calculated 0x[0-9a-f]{2}, read 0x[0-9a-f]{2}$/);
  });

  it("two flips that cancel in the XOR checksum, by the hash", () => {
    const bytes = image();
    bytes[300] ^= 0x10;
    bytes[301] ^= 0x10;
    expect(rejection(bytes)).toBe("image hash failed - image is corrupt");
  });

  it("a changed header field, by the hash", () => {
    const bytes = image();
    bytes[4] ^= 0x04;
    expect(rejection(bytes)).toBe("image hash failed - image is corrupt");
  });

  it("a flipped bit in the appended hash", () => {
    const bytes = image();
    bytes[bytes.length - 1] ^= 0x80;
    expect(rejection(bytes)).toBe("image hash failed - image is corrupt");
  });

  it("an image larger than its partition", () => {
    const bytes = image();
    expect(rejection(bytes, bytes.length - 1)).toBe(`image length ${bytes.length} doesn't fit in partition length ${bytes.length - 1}`);
  });

  it("an image cut short", () => {
    const bytes = image();
    expect(rejection(bytes.subarray(0, bytes.length - 10))).toBe(`image length ${bytes.length} runs past the ${bytes.length - 10} bytes available`);
  });

  it("a header cut short", () => {
    expect(rejection(Uint8Array.of(0xe9, 1))).toBe("image header needs 24 bytes, only 2 available");
  });

  it("a first segment without the esp_app_desc_t magic word", () => {
    const bytes = image();
    bytes[32] ^= 0xff;
    expect(rejection(reseal(bytes))).toBe("esp_app_desc_t magic word is not 0xabcd5432");
  });

  it("a payload length that runs past the segment", () => {
    const bytes = image();
    new DataView(bytes.buffer).setUint32(32 + 256, 1 << 20, true);
    expect(rejection(reseal(bytes))).toMatch(/^payload length 1048576 runs past the first segment/);
  });

  it("a mapped segment whose flash offset disagrees with its address within the 64 KiB page", () => {
    const bytes = image();
    new DataView(bytes.buffer).setUint32(24, 0x3f400040, true);
    expect(rejection(reseal(bytes))).toBe("segment 0 load address 0x3f400040 doesn't match data at 0x00000020");
  });
});
