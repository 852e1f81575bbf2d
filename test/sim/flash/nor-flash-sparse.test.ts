/**
 * The NOR flash model keeps memory only for sectors that hold data, so a
 * fleet of 4 MiB chips fits in one process. These tests pin that down and
 * check that being sparse changes nothing a caller can see: a random mix of
 * erases, writes and views behaves exactly like a plain 0xFF-filled array,
 * and views stay live however they overlap.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { loadDevicePartitionTable } from "../../../sim/boot/device-partition-table";
import { buildAppImage } from "../../../sim/boot/esp-app-image";
import { FLASH_SIZE } from "../../../sim/device/flash-store";
import { provisionFactoryImage } from "../../../sim/device/provision";
import { FlashProgramError, NorFlash, PowerCutError } from "../../../sim/flash/nor-flash";

const SECTOR = 4096;

/** toEqual walks typed arrays element by element; hundreds of runs need a memcmp. */
function same(a: Uint8Array, b: Uint8Array): boolean {
  return Buffer.compare(a, b) === 0;
}

describe("NorFlash: sparse memory", () => {
  it("a blank 4 MiB chip holds no sector in memory", () => {
    expect(new NorFlash({ size: FLASH_SIZE }).allocatedSectors).toBe(0);
  });

  it("a provisioned device holds only the sectors its image occupies", () => {
    const flash = new NorFlash({ size: FLASH_SIZE });
    const payload = new Uint8Array(250_000).map((_, i) => i * 7);
    const image = buildAppImage({ version: "1.0.0", projectName: "fieldnode", secureVersion: 0, payload });
    provisionFactoryImage(flash, loadDevicePartitionTable(), image);
    expect(flash.allocatedSectors).toBe(Math.ceil(image.length / SECTOR));
  });

  it("writing 0xFF allocates nothing; erasing gives a sector's memory back", () => {
    const flash = new NorFlash({ size: 8 * SECTOR });
    flash.write(0, new Uint8Array(3 * SECTOR).fill(0xff));
    expect(flash.allocatedSectors).toBe(0);
    flash.write(SECTOR + 5, Uint8Array.of(0));
    flash.write(5 * SECTOR, Uint8Array.of(0));
    expect(flash.allocatedSectors).toBe(2);
    flash.erase(0, 4 * SECTOR);
    expect(flash.allocatedSectors).toBe(1);
    expect(flash.read(SECTOR + 5, 1)).toEqual(Uint8Array.of(0xff));
  });

  it("an initial image keeps only its programmed sectors", () => {
    const image = new Uint8Array(4 * SECTOR).fill(0xff);
    image[2 * SECTOR + 17] = 0x12;
    const flash = new NorFlash({ size: 4 * SECTOR, image });
    expect(flash.allocatedSectors).toBe(1);
    expect(flash.read(2 * SECTOR + 16, 3)).toEqual(Uint8Array.of(0xff, 0x12, 0xff));
  });

  it("viewing a mostly erased slot does not make its sectors resident", () => {
    const flash = new NorFlash({ size: 64 * SECTOR });
    flash.write(0, Uint8Array.of(1, 2, 3));
    const view = flash.view(0, 64 * SECTOR);
    expect(view[1]).toBe(2);
    expect(flash.allocatedSectors).toBe(1);
  });
});

describe("NorFlash: views of a sparse chip stay live", () => {
  it("a view across sectors sees later writes, erases and torn operations", () => {
    const flash = new NorFlash({ size: 4 * SECTOR });
    const view = flash.view(SECTOR - 2, SECTOR + 4);
    flash.write(SECTOR - 1, Uint8Array.of(0x10, 0x20));
    expect(Array.from(view.subarray(0, 4))).toEqual([0xff, 0x10, 0x20, 0xff]);
    flash.erase(0, SECTOR);
    expect(Array.from(view.subarray(0, 4))).toEqual([0xff, 0xff, 0x20, 0xff]);
    flash.armPowerCut({ atOperation: flash.stats.operations, torn: true, seed: 5 });
    expect(() => flash.erase(SECTOR, SECTOR)).toThrow(PowerCutError);
    flash.powerRestored();
    expect(view).toEqual(flash.read(SECTOR - 2, SECTOR + 4));
  });

  it("older and newer overlapping views, and arrays made from them, all follow the chip", () => {
    const flash = new NorFlash({ size: 8 * SECTOR });
    const small = flash.view(SECTOR + 10, 4);
    const big = flash.view(0, 8 * SECTOR);
    const derived = big.subarray(SECTOR + 10, SECTOR + 14);
    const words = new DataView(big.buffer, big.byteOffset + SECTOR + 10, 4);
    flash.write(SECTOR + 10, Uint8Array.of(1, 2, 3, 4));
    expect(Array.from(small)).toEqual([1, 2, 3, 4]);
    expect(Array.from(derived)).toEqual([1, 2, 3, 4]);
    expect(words.getUint32(0)).toBe(0x01020304);
    expect(flash.contents().subarray(SECTOR + 10, SECTOR + 14)).toEqual(Uint8Array.of(1, 2, 3, 4));
  });

  it("behaves like a 0xFF-filled array under any mix of erases, writes and views", () => {
    const sectors = 6;
    const size = sectors * SECTOR;
    const command = fc.oneof(
      fc.record({ kind: fc.constant("erase" as const), first: fc.nat(sectors - 1), count: fc.nat(sectors) }),
      fc.record({ kind: fc.constant("write" as const), offset: fc.nat(size - 1), bytes: fc.uint8Array({ minLength: 1, maxLength: 2 * SECTOR }) }),
      fc.record({ kind: fc.constant("clear" as const), offset: fc.nat(size - 1), length: fc.nat(3 * SECTOR), mask: fc.nat(255) }),
      fc.record({ kind: fc.constant("view" as const), offset: fc.nat(size - 1), length: fc.nat(size) }),
    );
    fc.assert(
      fc.property(fc.array(command, { maxLength: 40 }), (commands) => {
        const flash = new NorFlash({ size });
        const model = new Uint8Array(size).fill(0xff);
        const views: Array<{ offset: number; bytes: Uint8Array }> = [];
        for (const c of commands) {
          if (c.kind === "erase") {
            const count = Math.min(c.count, sectors - c.first);
            flash.erase(c.first * SECTOR, count * SECTOR);
            model.fill(0xff, c.first * SECTOR, (c.first + count) * SECTOR);
          } else if (c.kind === "view") {
            const length = Math.min(c.length, size - c.offset);
            views.push({ offset: c.offset, bytes: flash.view(c.offset, length) });
          } else {
            const bytes =
              c.kind === "write"
                ? c.bytes.subarray(0, size - c.offset)
                : model.slice(c.offset, Math.min(size, c.offset + c.length)).map((b) => b & c.mask);
            const legal = bytes.every((b, i) => (b & ~model[c.offset + i]! & 0xff) === 0);
            if (legal) {
              flash.write(c.offset, bytes);
              model.set(bytes, c.offset);
            } else {
              expect(() => flash.write(c.offset, bytes)).toThrow(FlashProgramError);
            }
          }
          for (const view of views) expect(same(view.bytes, model.subarray(view.offset, view.offset + view.bytes.length))).toBe(true);
        }
        expect(same(flash.read(0, size), model)).toBe(true);
        expect(same(flash.contents(), model)).toBe(true);
        let resident = 0;
        for (let s = 0; s < sectors; s++) if (model.subarray(s * SECTOR, (s + 1) * SECTOR).some((b) => b !== 0xff)) resident++;
        expect(flash.allocatedSectors).toBe(resident);
      }),
      { numRuns: 150 },
    );
  });
});
