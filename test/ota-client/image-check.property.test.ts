/**
 * esp_ota_end, esp_ota_set_boot_partition and the bootloader check an app
 * image where it lies in the simulated flash: one pass over its sectors for
 * the XOR checksum and the SHA-256, a verdict remembered while the slot's
 * revision stays the same, the payload copied out only when read. Here that
 * path must agree, verdict and message, with esp_image_verify as it was
 * written before any of that (below: one array, byte by byte), for random
 * multi-segment images, corrupted anywhere, in slots of any size, with
 * sectors small enough that every segment crosses several.
 */
import { sha256 } from "@noble/hashes/sha2.js";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { buildAppImage, type AppImageVerification } from "../../sim/boot/esp-app-image";
import "../../sim/boot/node-image-hash";
import { verifyPartitionImage } from "../../sim/boot/partition-image";
import type { PartitionEntry } from "../../sim/boot/partition-table";
import { NorFlash } from "../../sim/flash/nor-flash";

const SECTOR = 256;
const u32 = (bytes: Uint8Array, at: number): number => new DataView(bytes.buffer, bytes.byteOffset).getUint32(at, true);
const hex = (value: number, width = 0): string => value.toString(16).padStart(width, "0");

/** The reference: esp_image_verify's checks in their order, over one array, byte by byte. */
function referenceVerify(bytes: Uint8Array, maxLength: number): { ok: true; version: string; payload: Uint8Array; length: number } | { ok: false; reason: string } {
  const limit = Math.min(bytes.length, maxLength);
  const fail = (reason: string) => ({ ok: false as const, reason });
  if (limit < 24) return fail(`image header needs 24 bytes, only ${limit} available`);
  if (bytes[0] !== 0xe9) return fail(`image has invalid magic byte 0x${hex(bytes[0]!, 2)} (expected 0xe9)`);
  const count = bytes[1]!;
  if (count > 16) return fail(`image segment count ${count} exceeds max 16`);
  if (count === 0) return fail("image has no segments, so no app description");
  const chip = bytes[12]! | (bytes[13]! << 8);
  if (chip !== 0) return fail(`mismatch chip ID, expected 0, found ${chip}`);
  let checksum = 0xef;
  let offset = 24;
  let first: Uint8Array | undefined;
  for (let index = 0; index < count; index++) {
    if (offset + 8 > limit) return fail(`segment ${index} header at 0x${hex(offset)} runs past the end of the partition`);
    const load = u32(bytes, offset);
    const length = u32(bytes, offset + 4);
    const at = offset + 8;
    if (length % 4 !== 0 || length >= 16 * 1024 * 1024) return fail(`invalid segment length 0x${hex(length)} in segment ${index}`);
    if (at + length > limit) return fail(`segment ${index} data 0x${hex(at)}-0x${hex(at + length)} runs past the end of the partition (0x${hex(limit)})`);
    const mapped = (load >= 0x3f400000 && load < 0x3f800000) || (load >= 0x400d0000 && load < 0x40400000);
    if (mapped && at % 0x10000 !== load % 0x10000) return fail(`segment ${index} load address 0x${hex(load, 8)} doesn't match data at 0x${hex(at, 8)}`);
    for (let i = at; i < at + length; i++) checksum ^= bytes[i]!;
    first ??= bytes.subarray(at, at + length);
    offset = at + length;
  }
  const checksumAt = Math.ceil((offset + 1) / 16) * 16 - 1;
  const hashed = bytes[23] !== 0;
  const length = checksumAt + 1 + (hashed ? 32 : 0);
  if (length > maxLength) return fail(`image length ${length} doesn't fit in partition length ${maxLength}`);
  if (length > bytes.length) return fail(`image length ${length} runs past the ${bytes.length} bytes available`);
  if (bytes[checksumAt] !== checksum) return fail(`checksum failed: calculated 0x${hex(checksum, 2)}, read 0x${hex(bytes[checksumAt]!, 2)}`);
  if (hashed) {
    const digest = sha256(bytes.subarray(0, checksumAt + 1));
    if (!digest.every((b, i) => b === bytes[checksumAt + 1 + i])) return fail("image hash failed - image is corrupt");
  }
  if (first!.length < 260) return fail(`first segment is ${first!.length} bytes, too short for esp_app_desc_t`);
  if (u32(first!, 0) !== 0xabcd5432) return fail("esp_app_desc_t magic word is not 0xabcd5432");
  const payloadLength = u32(first!, 256);
  if (260 + payloadLength > first!.length) return fail(`payload length ${payloadLength} runs past the first segment (${first!.length} bytes)`);
  const version = new TextDecoder().decode(first!.subarray(16, 48)).replace(/\0.*$/s, "");
  return { ok: true, version, payload: first!.slice(260, 260 + payloadLength), length };
}

/** buildAppImage's image with extra segments after its first, checksum and hash made good again. */
function withSegments(base: Uint8Array, extra: readonly number[], fill: number): Uint8Array {
  const firstLength = u32(base, 28);
  const segments = [base.subarray(24, 32 + firstLength)];
  extra.forEach((length, i) => {
    const segment = new Uint8Array(8 + length);
    new DataView(segment.buffer).setUint32(0, 0x40080000 + i * 0x1000, true); // IRAM: not mapped, any offset
    new DataView(segment.buffer).setUint32(4, length, true);
    for (let j = 8; j < segment.length; j++) segment[j] = (j * 13 + i * 7 + fill) & 0xff;
    segments.push(segment);
  });
  const body = segments.reduce((sum, s) => sum + s.length, 0);
  const checksumAt = Math.ceil((24 + body + 1) / 16) * 16 - 1;
  const image = new Uint8Array(checksumAt + 1 + 32);
  image.set(base.subarray(0, 24));
  image[1] = segments.length;
  let at = 24;
  let checksum = 0xef;
  for (const segment of segments) {
    image.set(segment, at);
    for (let j = 8; j < segment.length; j++) checksum ^= segment[j]!;
    at += segment.length;
  }
  image[checksumAt] = checksum;
  image.set(sha256(image.subarray(0, checksumAt + 1)), checksumAt + 1);
  return image;
}

const image = fc
  .record({
    payload: fc.integer({ min: 0, max: 3000 }),
    extra: fc.array(fc.integer({ min: 0, max: 700 }).map((n) => n * 4), { maxLength: 4 }),
    fill: fc.integer({ min: 0, max: 255 }),
    flips: fc.array(fc.record({ at: fc.nat(), mask: fc.integer({ min: 1, max: 255 }) }), { maxLength: 2 }),
    slack: fc.integer({ min: -600, max: 3 * SECTOR }),
  })
  .map(({ payload, extra, fill, flips, slack }) => {
    const base = buildAppImage({ version: `1.${fill}.0`, projectName: "fieldnode", secureVersion: 0, payload: new Uint8Array(payload).fill(fill) });
    const bytes = withSegments(base, extra, fill);
    for (const { at, mask } of flips) bytes[at % bytes.length]! ^= mask;
    return { bytes, slot: Math.max(SECTOR, bytes.length + slack) };
  });

function outcome(verdict: AppImageVerification) {
  return verdict.ok ? { ok: true, version: verdict.descriptor.version, payload: verdict.payload, length: verdict.length } : verdict;
}

describe("an app image checked in place in the simulated flash", () => {
  it("reaches the reference's verdict and message, checked afresh or remembered", () => {
    fc.assert(
      fc.property(image, ({ bytes, slot }) => {
        const size = Math.ceil(slot / SECTOR) * SECTOR + SECTOR;
        const flash = new NorFlash({ size, sectorSize: SECTOR });
        flash.write(SECTOR, bytes.subarray(0, Math.min(bytes.length, size - SECTOR)));
        const partition: PartitionEntry = { name: "ota_0", type: 0, subtype: 0x10, offset: SECTOR, size: slot, encrypted: false, readonly: false };
        const expected = referenceVerify(flash.read(SECTOR, slot), slot);
        expect(outcome(verifyPartitionImage(flash, partition))).toEqual(expected);
        // Unchanged bytes: the remembered verdict, which must be the same.
        expect(outcome(verifyPartitionImage(flash, partition))).toEqual(expected);
      }),
      { numRuns: 300 },
    );
  });

  it("checks again after any change to the slot, and refuses to hand out a payload that changed since its check", () => {
    const base = withSegments(buildAppImage({ version: "2.0.0", projectName: "fieldnode", secureVersion: 0, payload: new Uint8Array(900).fill(7) }), [64], 1);
    const flash = new NorFlash({ size: 16 * SECTOR, sectorSize: SECTOR });
    const partition: PartitionEntry = { name: "ota_0", type: 0, subtype: 0x10, offset: 0, size: 15 * SECTOR, encrypted: false, readonly: false };
    flash.write(0, base);
    const good = verifyPartitionImage(flash, partition);
    expect(good.ok).toBe(true);
    // Clear one bit of the payload (NOR writes can): the image no longer verifies, and the old verdict's payload is refused.
    flash.write(600, Uint8Array.of(base[600]! & 0xfe));
    expect(verifyPartitionImage(flash, partition)).toMatchObject({ ok: false, reason: expect.stringMatching(/^checksum failed/) });
    expect(() => good.ok && good.payload).toThrow("ota_0 changed after its image was verified; verify it again before reading its payload");
  });
});
