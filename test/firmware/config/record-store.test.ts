import { describe, expect, it } from "vitest";
import { RecordStore } from "../../../firmware/config/record-store";
import { PowerCutError } from "../../../sim/flash/nor-flash";
import { deviceFlash } from "./flash-fixture";

const bytes = (...values: number[]) => new Uint8Array(values);

describe("RecordStore", () => {
  it("loads nothing from an erased partition", () => {
    const { storage } = deviceFlash();
    expect(new RecordStore(storage.open({ path: "settings" })).load()).toBeUndefined();
  });

  it("loads what it saved, with sequence 1 for the first save", () => {
    const { storage } = deviceFlash();
    const store = new RecordStore(storage.open({ path: "settings" }));
    expect(store.save(bytes(1, 2, 3))).toBe(1);
    expect(new RecordStore(storage.open({ path: "settings" })).load()).toEqual({ sequence: 1, payload: bytes(1, 2, 3) });
  });

  it("writes the exact record layout: magic, sequence, length, CRC-32, payload", () => {
    const { flash, storage } = deviceFlash();
    new RecordStore(storage.open({ path: "settings" })).save(bytes(0xaa));
    // settings is at 0x3D0000; zlib.crc32(01 00 00 00 01 00 00 00 AA) = 0xFA1163AB.
    expect([...flash.read(0x3d0000, 17)]).toEqual([
      0x46, 0x4e, 0x53, 0x31, 1, 0, 0, 0, 1, 0, 0, 0, 0xab, 0x63, 0x11, 0xfa, 0xaa,
    ]);
  });

  it("alternates blocks, so the previous record survives until the next is complete", () => {
    const { flash, storage } = deviceFlash();
    const store = new RecordStore(storage.open({ path: "settings" }));
    store.save(bytes(1));
    store.save(bytes(2));
    expect(flash.read(0x3d0000 + 16, 1)[0]).toBe(1);
    expect(flash.read(0x3d1000 + 16, 1)[0]).toBe(2);
    store.save(bytes(3));
    expect(flash.read(0x3d0000 + 16, 1)[0]).toBe(3);
  });

  it("keeps the previous record when a save is torn by a power cut", () => {
    const { flash, storage } = deviceFlash();
    const store = new RecordStore(storage.open({ path: "settings" }));
    store.save(bytes(1, 1, 1, 1));
    flash.armPowerCut({ atOperation: flash.stats.operations + 1, torn: true, seed: 7 });
    expect(() => store.save(bytes(2, 2, 2, 2))).toThrow(PowerCutError);
    flash.powerRestored();
    expect(new RecordStore(storage.open({ path: "settings" })).load()).toEqual({ sequence: 1, payload: bytes(1, 1, 1, 1) });
  });

  it("ignores a block whose payload was damaged", () => {
    const { flash, storage } = deviceFlash();
    const store = new RecordStore(storage.open({ path: "settings" }));
    store.save(bytes(1));
    store.save(bytes(2));
    flash.write(0x3d1000 + 16, bytes(0)); // clear bits of the newer record's payload
    expect(new RecordStore(storage.open({ path: "settings" })).load()).toEqual({ sequence: 1, payload: bytes(1) });
  });

  it("refuses a record larger than a block", () => {
    const { storage } = deviceFlash();
    const store = new RecordStore(storage.open({ path: "settings" }));
    expect(() => store.save(new Uint8Array(4096))).toThrow(/capacity/);
  });
});
