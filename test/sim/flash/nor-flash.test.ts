import { describe, expect, it } from "vitest";
import { FlashProgramError, NorFlash, PowerCutError, type FlashObserver } from "../../../sim/flash/nor-flash";

const SECTOR = 4096;

function chip(sectors = 4): NorFlash {
  return new NorFlash({ size: sectors * SECTOR });
}

function recorder(): { observer: FlashObserver; events: string[] } {
  const events: string[] = [];
  return {
    events,
    observer: {
      onErase: (offset, length) => events.push(`erase ${offset} ${length}`),
      onWrite: (offset, data) => events.push(`write ${offset} ${Array.from(data).join(",")}`),
    },
  };
}

describe("NorFlash: NOR semantics", () => {
  it("a blank chip reads 0xFF everywhere", () => {
    expect(chip().read(0, 4 * SECTOR).every((byte) => byte === 0xff)).toBe(true);
  });

  it("copies the initial image instead of aliasing it", () => {
    const image = new Uint8Array(SECTOR).fill(0x5a);
    const flash = new NorFlash({ size: SECTOR, image });
    image[0] = 0;
    expect(flash.read(0, 1)).toEqual(Uint8Array.of(0x5a));
  });

  it("rejects an initial image of the wrong size", () => {
    expect(() => new NorFlash({ size: SECTOR, image: new Uint8Array(10) })).toThrow(RangeError);
  });

  it("write clears bits and read returns a copy", () => {
    const flash = chip();
    flash.write(10, Uint8Array.of(0x12, 0x34));
    const copy = flash.read(9, 4);
    expect(copy).toEqual(Uint8Array.of(0xff, 0x12, 0x34, 0xff));
    copy[1] = 0;
    expect(flash.read(10, 1)).toEqual(Uint8Array.of(0x12));
  });

  it("readInto fills the whole target from the offset", () => {
    const flash = chip();
    flash.write(100, Uint8Array.of(1, 2, 3));
    const target = new Uint8Array(3);
    flash.readInto(100, target);
    expect(target).toEqual(Uint8Array.of(1, 2, 3));
  });

  it("a second write may clear further bits of a programmed byte", () => {
    const flash = chip();
    flash.write(0, Uint8Array.of(0b1111_0000));
    flash.write(0, Uint8Array.of(0b1010_0000));
    expect(flash.read(0, 1)).toEqual(Uint8Array.of(0b1010_0000));
  });

  it("a write that needs a 0 bit to become 1 throws FlashProgramError naming the offset, and changes nothing", () => {
    const flash = chip();
    flash.write(0x20, Uint8Array.of(0xff, 0x0f));
    let error: unknown;
    try {
      flash.write(0x20, Uint8Array.of(0x00, 0xf0));
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(FlashProgramError);
    expect((error as FlashProgramError).offset).toBe(0x21);
    expect((error as Error).message).toContain("0x21");
    expect(flash.read(0x20, 2)).toEqual(Uint8Array.of(0xff, 0x0f));
  });

  it("erase sets every byte of the sectors to 0xFF and leaves neighbours alone", () => {
    const flash = chip();
    flash.write(SECTOR - 1, Uint8Array.of(0, 0, 0));
    flash.erase(SECTOR, SECTOR);
    expect(flash.read(SECTOR - 1, 3)).toEqual(Uint8Array.of(0x00, 0xff, 0xff));
  });

  it("an erase that is not sector aligned throws a RangeError that says so", () => {
    const flash = chip();
    expect(() => flash.erase(1, SECTOR)).toThrow(/not aligned to the 0x1000-byte sector/);
    expect(() => flash.erase(0, 100)).toThrow(RangeError);
  });

  it("reads, writes and erases outside the chip throw RangeError", () => {
    const flash = chip(1);
    expect(() => flash.read(SECTOR - 1, 2)).toThrow(RangeError);
    expect(() => flash.write(SECTOR, Uint8Array.of(0))).toThrow(RangeError);
    expect(() => flash.erase(SECTOR, SECTOR)).toThrow(RangeError);
    expect(() => flash.read(-1, 1)).toThrow(RangeError);
  });

  it("view is a live zero-copy window", () => {
    const flash = chip();
    const view = flash.view(0, 2);
    flash.write(1, Uint8Array.of(7));
    expect(view).toEqual(Uint8Array.of(0xff, 7));
  });

  it("contents() is the live array", () => {
    const flash = chip();
    flash.write(3, Uint8Array.of(9));
    expect(flash.contents()[3]).toBe(9);
    expect(flash.contents().length).toBe(4 * SECTOR);
  });
});

describe("NorFlash: counters and observer", () => {
  it("counts erases, writes, bytes and operations", () => {
    const flash = chip();
    flash.erase(0, 2 * SECTOR);
    flash.write(0, new Uint8Array(10));
    flash.write(100, new Uint8Array(5));
    flash.read(0, 100);
    expect(flash.stats).toEqual({ erases: 1, writes: 2, bytesErased: 2 * SECTOR, bytesWritten: 15, operations: 3 });
  });

  it("zero-length writes and erases are no-ops that count nothing", () => {
    const flash = chip();
    flash.write(0, new Uint8Array(0));
    flash.erase(0, 0);
    expect(flash.stats.operations).toBe(0);
  });

  it("tells the observer about every applied change, with the stored bytes", () => {
    const { observer, events } = recorder();
    const flash = new NorFlash({ size: 2 * SECTOR, observer });
    flash.write(4, Uint8Array.of(1, 2));
    flash.erase(SECTOR, SECTOR);
    expect(events).toEqual(["write 4 1,2", `erase ${SECTOR} ${SECTOR}`]);
  });
});

describe("NorFlash: power cuts", () => {
  it("a cut before operation N applies nothing of it and throws PowerCutError", () => {
    const flash = chip();
    flash.armPowerCut({ atOperation: 1 });
    flash.write(0, Uint8Array.of(1));
    expect(() => flash.write(1, Uint8Array.of(2))).toThrow(PowerCutError);
    expect(flash.contents().subarray(0, 2)).toEqual(Uint8Array.of(1, 0xff));
    expect(flash.stats).toMatchObject({ writes: 1, operations: 2 });
  });

  it("after a cut every read, write and erase throws until power is restored", () => {
    const flash = chip();
    flash.armPowerCut({ atOperation: 0 });
    expect(() => flash.erase(0, SECTOR)).toThrow(PowerCutError);
    expect(flash.powered).toBe(false);
    expect(() => flash.read(0, 1)).toThrow(PowerCutError);
    expect(() => flash.write(0, Uint8Array.of(0))).toThrow(PowerCutError);
    expect(() => flash.erase(0, SECTOR)).toThrow(PowerCutError);
    flash.powerRestored();
    expect(flash.powered).toBe(true);
    flash.write(0, Uint8Array.of(0));
    expect(flash.read(0, 1)).toEqual(Uint8Array.of(0));
  });

  it("the PowerCutError names the interrupted operation and operation numbering continues after it", () => {
    const flash = chip();
    flash.armPowerCut({ atOperation: 2 });
    flash.write(0, Uint8Array.of(0));
    flash.write(1, Uint8Array.of(0));
    let error: unknown;
    try {
      flash.erase(0, SECTOR);
    } catch (caught) {
      error = caught;
    }
    expect((error as PowerCutError).operation).toBe(2);
    flash.powerRestored();
    flash.armPowerCut({ atOperation: 3 });
    expect(() => flash.write(2, Uint8Array.of(0))).toThrow(PowerCutError);
  });

  it("a cut is consumed: after powerRestored the same operations succeed", () => {
    const flash = chip();
    flash.armPowerCut({ atOperation: 0 });
    expect(() => flash.write(0, Uint8Array.of(0))).toThrow(PowerCutError);
    flash.powerRestored();
    flash.write(0, Uint8Array.of(0));
    flash.write(1, Uint8Array.of(0));
    expect(flash.stats.writes).toBe(2);
  });

  it("arming a cut for an operation that already started is refused", () => {
    const flash = chip();
    flash.write(0, Uint8Array.of(0));
    expect(() => flash.armPowerCut({ atOperation: 0 })).toThrow(/already started/);
  });

  it("a torn write programs a prefix, then only some bits of one byte, then nothing", () => {
    const data = Uint8Array.from({ length: 64 }, (_, i) => (i * 37) & 0x7f);
    for (let seed = 0; seed < 50; seed++) {
      const flash = chip();
      flash.armPowerCut({ atOperation: 0, torn: true, seed });
      expect(() => flash.write(8, data)).toThrow(PowerCutError);
      const after = flash.contents().subarray(8, 8 + data.length);
      let k = 0;
      while (k < data.length && after[k] === data[k]) k++;
      expect(k).toBeLessThan(data.length);
      // Only bits the write wanted cleared may be cleared, and not all of them.
      expect(after[k] & data[k]).toBe(data[k]);
      expect(after[k]).not.toBe(data[k]);
      expect(after.subarray(k + 1).every((byte) => byte === 0xff)).toBe(true);
    }
  });

  it("a torn write with the same seed tears at the same place", () => {
    const data = new Uint8Array(200);
    const torn = (seed: number): Uint8Array => {
      const flash = chip();
      flash.armPowerCut({ atOperation: 0, torn: true, seed });
      expect(() => flash.write(0, data)).toThrow(PowerCutError);
      return flash.contents().slice(0, 200);
    };
    expect(torn(7)).toEqual(torn(7));
    expect(torn(7)).not.toEqual(torn(8));
  });

  it("a torn erase leaves a 0xFF prefix, one byte with some bits set, and the rest as it was", () => {
    for (let seed = 0; seed < 50; seed++) {
      const flash = chip();
      flash.write(0, new Uint8Array(SECTOR));
      flash.armPowerCut({ atOperation: 1, torn: true, seed });
      expect(() => flash.erase(0, SECTOR)).toThrow(PowerCutError);
      const after = flash.contents().subarray(0, SECTOR);
      let p = 0;
      while (p < SECTOR && after[p] === 0xff) p++;
      expect(p).toBeLessThan(SECTOR);
      expect(after.subarray(p + 1).every((byte) => byte === 0x00)).toBe(true);
    }
  });

  it("the torn part of an operation reaches the observer", () => {
    const { observer, events } = recorder();
    const flash = new NorFlash({ size: SECTOR, observer });
    flash.write(0, new Uint8Array(8));
    flash.armPowerCut({ atOperation: 1, torn: true, seed: 3 });
    expect(() => flash.erase(0, SECTOR)).toThrow(PowerCutError);
    const mirror = new Uint8Array(SECTOR).fill(0xff);
    mirror.fill(0, 0, 8);
    for (const event of events) {
      const [kind, offset, rest] = event.split(" ");
      if (kind === "erase") mirror.fill(0xff, Number(offset), Number(offset) + Number(rest));
      else mirror.set(rest.split(",").map(Number), Number(offset));
    }
    expect(mirror).toEqual(flash.contents());
  });
});
