/**
 * The OTA path's speed rests on shortcuts in the simulated NOR flash: a write
 * into the erased part of a sector is not compared with what the sector
 * holds, and an image verdict is reused while the flash's revision of its
 * range stays the same. Both must be invisible: here a plain byte array with
 * the NOR rules applied byte by byte is the reference, and random erases,
 * writes (ones that only clear bits, and ones that would set some), torn
 * power cuts and chips made from an image must leave the model exactly where
 * the reference is, refusing exactly the writes the reference refuses, at the
 * same offset, and changing the revision of exactly the ranges they touched.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { FlashProgramError, NorFlash, PowerCutError } from "../../sim/flash/nor-flash";

const SECTOR = 256;
const SECTORS = 8;
const SIZE = SECTOR * SECTORS;

type Op =
  | { kind: "erase"; sector: number; count: number; cut: number | undefined }
  | { kind: "write"; offset: number; bytes: number[]; clearOnly: boolean; cut: number | undefined };

const op: fc.Arbitrary<Op> = fc.oneof(
  fc.record({
    kind: fc.constant("erase" as const),
    sector: fc.integer({ min: 0, max: SECTORS - 1 }),
    count: fc.integer({ min: 1, max: 3 }),
    cut: fc.option(fc.integer({ min: 0, max: 1000 }), { nil: undefined, freq: 8 }),
  }),
  fc.record({
    kind: fc.constant("write" as const),
    offset: fc.integer({ min: 0, max: SIZE - 1 }),
    bytes: fc.array(fc.integer({ min: 0, max: 255 }), { minLength: 1, maxLength: 3 * SECTOR }),
    clearOnly: fc.boolean(),
    cut: fc.option(fc.integer({ min: 0, max: 1000 }), { nil: undefined, freq: 8 }),
  }),
);

/** A chip image: erased sectors, programmed ones, and sectors programmed only at their start. */
const image = fc.array(fc.constantFrom("erased", "full", "head"), { minLength: SECTORS, maxLength: SECTORS }).map((kinds) => {
  const bytes = new Uint8Array(SIZE).fill(0xff);
  kinds.forEach((kind, sector) => {
    const end = kind === "erased" ? 0 : kind === "full" ? SECTOR : SECTOR / 4;
    for (let i = 0; i < end; i++) bytes[sector * SECTOR + i] = (sector * 37 + i * 11) & 0xff;
  });
  return bytes;
});

function firstSetBit(reference: Uint8Array, offset: number, data: Uint8Array): number {
  for (let i = 0; i < data.length; i++) if ((data[i]! & ~reference[offset + i]! & 0xff) !== 0) return offset + i;
  return -1;
}

function same(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((byte, i) => byte === b[i]);
}

function catchError(action: () => void): unknown {
  try {
    action();
  } catch (error) {
    return error;
  }
  return undefined;
}

/** Revisions of every sector, to see which ranges an operation touched. */
function revisions(flash: NorFlash): number[] {
  return Array.from({ length: SECTORS }, (_, sector) => flash.revision(sector * SECTOR, SECTOR));
}

describe("simulated NOR flash against a byte-by-byte reference", () => {
  it("accepts, refuses and stores exactly what the reference does, and revises exactly the ranges it changes", () => {
    fc.assert(
      fc.property(fc.option(image, { nil: undefined }), fc.array(op, { maxLength: 40 }), (initial, ops) => {
        const flash = new NorFlash({ size: SIZE, sectorSize: SECTOR, ...(initial ? { image: initial } : {}) });
        const reference = initial ? initial.slice() : new Uint8Array(SIZE).fill(0xff);
        for (const step of ops) {
          const before = revisions(flash);
          const held = flash.read(0, SIZE);
          const span = step.kind === "erase"
            ? [step.sector * SECTOR, Math.min(step.sector + step.count, SECTORS) * SECTOR]
            : [step.offset, Math.min(step.offset + step.bytes.length, SIZE)];
          const data = step.kind === "write"
            ? Uint8Array.from(step.bytes.slice(0, span[1]! - span[0]!), (b, i) => (step.clearOnly ? b & reference[span[0]! + i]! : b))
            : undefined;
          const bad = data === undefined ? -1 : firstSetBit(reference, span[0]!, data);
          // A refused write never starts, so there is nothing to cut.
          if (step.cut !== undefined && bad < 0) flash.armPowerCut({ atOperation: flash.stats.operations, torn: true, seed: step.cut });
          try {
            if (data === undefined) {
              flash.erase(span[0]!, span[1]! - span[0]!);
              reference.fill(0xff, span[0], span[1]);
            } else if (bad >= 0) {
              const error = catchError(() => flash.write(span[0]!, data));
              expect(error).toBeInstanceOf(FlashProgramError);
              expect((error as FlashProgramError).offset).toBe(bad);
            } else {
              flash.write(span[0]!, data);
              reference.set(data, span[0]);
            }
          } catch (error) {
            if (!(error instanceof PowerCutError)) throw error;
            // A torn operation leaves whatever the chip now reads inside its range; outside it nothing moved.
            flash.powerRestored();
            const now = flash.read(0, SIZE);
            expect(same(now.subarray(0, span[0]), reference.subarray(0, span[0])) && same(now.subarray(span[1]), reference.subarray(span[1]))).toBe(true);
            reference.set(now);
          }
          if (!same(flash.read(0, SIZE), reference)) expect(flash.read(0, SIZE)).toEqual(reference);
          const after = revisions(flash);
          for (let sector = 0; sector < SECTORS; sector++) {
            const low = sector * SECTOR;
            const high = low + SECTOR;
            const revised = after[sector] !== before[sector];
            // Any change to a sector's bytes is a new revision; a new revision only where the operation reached.
            if (!same(held.subarray(low, high), reference.subarray(low, high)) && !revised) expect.fail(`sector ${sector} changed without a new revision`);
            if (revised && !(bad < 0 && span[0]! < high && span[1]! > low)) expect.fail(`sector ${sector} revised by an operation elsewhere`);
          }
        }
      }),
      { numRuns: 300 },
    );
  });
});
