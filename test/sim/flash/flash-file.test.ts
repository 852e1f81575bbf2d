import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { openFlashFile } from "../../../sim/flash/flash-file";
import { PowerCutError } from "../../../sim/flash/nor-flash";

const SIZE = 4 * 4096;
let dir: string;
let path: string;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "fieldnode-flash-"));
  path = join(dir, "device.flash");
});

afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

describe("openFlashFile", () => {
  it("creates a missing file the size of the chip, every byte 0xFF", () => {
    const { flash, close } = openFlashFile(path, SIZE);
    expect(flash.read(0, SIZE).every((byte) => byte === 0xff)).toBe(true);
    close();
    expect(statSync(path).size).toBe(SIZE);
    expect(readFileSync(path).every((byte) => byte === 0xff)).toBe(true);
  });

  it("writes every change through to the file before the call returns", () => {
    const { flash, close } = openFlashFile(path, SIZE);
    flash.write(4100, Uint8Array.of(1, 2, 3));
    expect(Array.from(readFileSync(path).subarray(4099, 4104))).toEqual([0xff, 1, 2, 3, 0xff]);
    flash.erase(4096, 4096);
    expect(readFileSync(path).subarray(4096, 8192).every((byte) => byte === 0xff)).toBe(true);
    close();
  });

  it("reopening the file gives back exactly what was written", () => {
    const first = openFlashFile(path, SIZE);
    first.flash.write(0, Uint8Array.of(0xde, 0xad));
    first.flash.write(SIZE - 1, Uint8Array.of(0x42));
    const before = first.flash.contents().slice();
    first.close();

    const second = openFlashFile(path, SIZE);
    expect(second.flash.contents()).toEqual(before);
    second.close();
  });

  it("persists the applied part of an operation that power cut short", () => {
    const first = openFlashFile(path, SIZE);
    first.flash.write(0, new Uint8Array(64));
    first.flash.armPowerCut({ atOperation: 1, torn: true, seed: 11 });
    expect(() => first.flash.erase(0, 4096)).toThrow(PowerCutError);
    const torn = first.flash.contents().slice();
    first.close();

    const second = openFlashFile(path, SIZE);
    expect(second.flash.contents()).toEqual(torn);
    second.close();
  });

  it("refuses a file of another size and says how to recover", () => {
    writeFileSync(path, new Uint8Array(100));
    expect(() => openFlashFile(path, SIZE)).toThrow(/holds 100 bytes but the simulated chip has 16384.*Delete it/);
  });

  it("refuses changes after close", () => {
    const { flash, close } = openFlashFile(path, SIZE);
    close();
    expect(() => flash.write(0, Uint8Array.of(0))).toThrow(/closed/);
  });
});
