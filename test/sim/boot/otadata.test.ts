import { describe, expect, it } from "vitest";
import {
  activeSector,
  decodeEntry,
  encodeEntry,
  entrySlot,
  findSlotEntry,
  isEntrySelectable,
  isEntryValid,
  makeEntry,
  otaSelectCrc,
  OtaImageState,
  readOtadata,
  writeInactiveSector,
  writeSector,
  type Otadata,
} from "../../../sim/boot/otadata";
import { NorFlash } from "../../../sim/flash/nor-flash";
import { OTADATA, table } from "./fixture";

const blank = (): ReturnType<typeof decodeEntry> => decodeEntry(new Uint8Array(32).fill(0xff));

/** The raw reflected CRC-32 register update, bit by bit, with no inversions: independent of the table code. */
function register(start: number, bytes: number[]): number {
  let reg = start >>> 0;
  for (const byte of bytes) {
    reg ^= byte;
    for (let bit = 0; bit < 8; bit++) reg = reg & 1 ? (reg >>> 1) ^ 0xedb88320 : reg >>> 1;
  }
  return reg >>> 0;
}

describe("otadata entry CRC", () => {
  it("is esp_rom_crc32_le(UINT32_MAX, &ota_seq, 4): 0x4743989A for ota_seq 1", () => {
    // esp_rom_crc.h: the ROM CRC functions put a `~` on the seed at entry and
    // on the register at exit, i.e. rom(seed, buf) = ~F(~seed, buf) with F the
    // plain reflected register update. With seed UINT32_MAX the register
    // starts at 0, so the CRC of ota_seq = 1 (bytes 01 00 00 00) is ~F(0, ...).
    expect((~register(0, [1, 0, 0, 0])) >>> 0).toBe(0x4743989a);
    expect(otaSelectCrc(1)).toBe(0x4743989a);
  });

  it("is not the plain CRC-32 of the four sequence bytes (that starts the register at all ones)", () => {
    const plain = (~register(0xffffffff, [1, 0, 0, 0])) >>> 0;
    expect(plain).toBe(0x99f8b879);
    expect(otaSelectCrc(1)).not.toBe(plain);
  });

  it("covers ota_seq only: the state does not change it", () => {
    expect(makeEntry(7, OtaImageState.NEW).crc).toBe(makeEntry(7, OtaImageState.VALID).crc);
  });
});

describe("otadata entry encoding", () => {
  it("lays out seq, label, state and crc little-endian in 32 bytes", () => {
    expect(Array.from(encodeEntry(makeEntry(1, OtaImageState.VALID)))).toEqual([
      0x01, 0x00, 0x00, 0x00,
      ...new Array<number>(20).fill(0xff),
      0x02, 0x00, 0x00, 0x00,
      0x9a, 0x98, 0x43, 0x47,
    ]);
  });

  it("decodes what it encodes", () => {
    const entry = makeEntry(0x01020304, OtaImageState.PENDING_VERIFY, Uint8Array.from({ length: 20 }, (_, i) => i));
    expect(decodeEntry(encodeEntry(entry))).toEqual(entry);
  });

  it("reads erased flash as seq 0xFFFFFFFF, state UNDEFINED, which is not valid", () => {
    expect(blank()).toMatchObject({ seq: 0xffffffff, state: OtaImageState.UNDEFINED });
    expect(isEntryValid(blank())).toBe(false);
  });

  it("treats an entry whose CRC does not match its seq as not valid", () => {
    expect(isEntryValid({ ...makeEntry(2, OtaImageState.VALID), crc: otaSelectCrc(3) })).toBe(false);
  });

  it("keeps INVALID and ABORTED entries valid but not selectable for boot", () => {
    for (const state of [OtaImageState.INVALID, OtaImageState.ABORTED]) {
      expect(isEntryValid(makeEntry(2, state))).toBe(true);
      expect(isEntrySelectable(makeEntry(2, state))).toBe(false);
    }
    expect(isEntrySelectable(makeEntry(2, OtaImageState.UNDEFINED))).toBe(true);
  });

  it("maps ota_seq to slot (seq - 1) % slots", () => {
    expect([1, 2, 3, 4, 5].map((seq) => entrySlot(makeEntry(seq, 0), 2))).toEqual([0, 1, 0, 1, 0]);
  });
});

describe("choosing the active otadata sector", () => {
  const pair = (a: ReturnType<typeof blank>, b: ReturnType<typeof blank>): Otadata => [a, b];

  it("picks the valid entry with the higher seq", () => {
    expect(activeSector(pair(makeEntry(5, OtaImageState.VALID), makeEntry(6, OtaImageState.VALID)))).toBe(1);
    expect(activeSector(pair(makeEntry(7, OtaImageState.VALID), makeEntry(6, OtaImageState.VALID)))).toBe(0);
  });

  it("picks sector 0 on a tie", () => {
    expect(activeSector(pair(makeEntry(3, OtaImageState.VALID), makeEntry(3, OtaImageState.NEW)))).toBe(0);
  });

  it("skips blank, corrupt, INVALID and ABORTED entries", () => {
    expect(activeSector(pair(blank(), makeEntry(1, OtaImageState.VALID)))).toBe(1);
    expect(activeSector(pair(makeEntry(1, OtaImageState.VALID), { ...makeEntry(9, OtaImageState.VALID), crc: 0 }))).toBe(0);
    expect(activeSector(pair(makeEntry(1, OtaImageState.VALID), makeEntry(2, OtaImageState.ABORTED)))).toBe(0);
    expect(activeSector(pair(makeEntry(1, OtaImageState.INVALID), makeEntry(2, OtaImageState.ABORTED)))).toBe(-1);
  });

  it("finds a slot's state in the first sector that points at it with a good CRC", () => {
    const otadata = pair(makeEntry(3, OtaImageState.ABORTED), makeEntry(2, OtaImageState.VALID));
    expect(findSlotEntry(otadata, 0, 2)?.state).toBe(OtaImageState.ABORTED);
    expect(findSlotEntry(otadata, 1, 2)?.state).toBe(OtaImageState.VALID);
    expect(findSlotEntry(pair(blank(), blank()), 0, 2)).toBeUndefined();
  });
});

describe("otadata on flash", () => {
  it("reads sector 0 at the partition start and sector 1 one sector later", () => {
    const flash = new NorFlash({ size: table.end });
    flash.write(OTADATA.offset, encodeEntry(makeEntry(4, OtaImageState.VALID)));
    flash.write(OTADATA.offset + 4096, encodeEntry(makeEntry(5, OtaImageState.NEW)));
    expect(readOtadata(flash, OTADATA).map((e) => [e.seq, e.state])).toEqual([
      [4, OtaImageState.VALID],
      [5, OtaImageState.NEW],
    ]);
  });

  it("rewrites a sector by erasing all 4 KiB of it, then programming 32 bytes", () => {
    const flash = new NorFlash({ size: table.end });
    flash.write(OTADATA.offset + 4096 + 100, Uint8Array.of(0));
    writeSector(flash, OTADATA, 1, makeEntry(2, OtaImageState.NEW));
    expect(flash.stats).toMatchObject({ erases: 1, bytesErased: 4096, writes: 2, bytesWritten: 33 });
    expect(flash.read(OTADATA.offset + 4096 + 100, 1)).toEqual(Uint8Array.of(0xff));
    expect(flash.read(OTADATA.offset + 4096, 32)).toEqual(encodeEntry(makeEntry(2, OtaImageState.NEW)));
  });

  it("writes a new selection to the sector that is not active", () => {
    const flash = new NorFlash({ size: table.end });
    expect(writeInactiveSector(flash, OTADATA, makeEntry(1, OtaImageState.VALID))).toBe(0);
    expect(writeInactiveSector(flash, OTADATA, makeEntry(2, OtaImageState.NEW))).toBe(1);
    expect(writeInactiveSector(flash, OTADATA, makeEntry(3, OtaImageState.NEW))).toBe(0);
    expect(readOtadata(flash, OTADATA).map((e) => e.seq)).toEqual([3, 2]);
  });
});
