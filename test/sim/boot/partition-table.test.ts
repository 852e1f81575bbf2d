import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { DEVICE_PARTITIONS_CSV, loadDevicePartitionTable } from "../../../sim/boot/device-partition-table";
import { PartitionTableError, parsePartitionTable, type PartitionEntry } from "../../../sim/boot/partition-table";

const entry = (name: string, type: number, subtype: number, offset: number, size: number): PartitionEntry => ({
  name,
  type,
  subtype,
  offset,
  size,
  encrypted: false,
  readonly: false,
});

function parseError(csv: string): string {
  try {
    parsePartitionTable(csv, { source: "t.csv" });
  } catch (error) {
    expect(error).toBeInstanceOf(PartitionTableError);
    return (error as Error).message;
  }
  throw new Error("expected the table to be rejected");
}

describe("the device partition table", () => {
  it("is read from firmware/platform/esp32/sdkconfig/partitions.csv", () => {
    expect(DEVICE_PARTITIONS_CSV.endsWith("firmware/platform/esp32/sdkconfig/partitions.csv")).toBe(true);
    expect(readFileSync(DEVICE_PARTITIONS_CSV, "utf8")).toContain("otadata");
  });

  it("parses to the layout the device is flashed with", () => {
    expect(loadDevicePartitionTable().entries).toEqual([
      entry("nvs", 1, 0x02, 0x9000, 0x4000),
      entry("otadata", 1, 0x00, 0xd000, 0x2000),
      entry("phy_init", 1, 0x01, 0xf000, 0x1000),
      entry("ota_0", 0, 0x10, 0x10000, 0x1e0000),
      entry("ota_1", 0, 0x11, 0x1f0000, 0x1e0000),
      entry("settings", 1, 0x80, 0x3d0000, 0x10000),
      entry("otaprog", 1, 0x81, 0x3e0000, 0x10000),
      entry("coredump", 1, 0x03, 0x3f0000, 0x10000),
    ]);
  });

  it("has two OTA slots in order, one otadata, no factory app, and ends at 4 MiB", () => {
    const table = loadDevicePartitionTable();
    expect(table.otaSlots().map((slot) => slot.name)).toEqual(["ota_0", "ota_1"]);
    expect(table.otadata()?.name).toBe("otadata");
    expect(table.factory()).toBeUndefined();
    expect(table.end).toBe(4 * 1024 * 1024);
  });
});

describe("parsePartitionTable", () => {
  it("skips comments and blank lines and finds partitions by name", () => {
    const table = parsePartitionTable("# comment\n\n  nvs, data, nvs, 0x9000, 0x6000,\n");
    expect(table.find("nvs")).toEqual(entry("nvs", 1, 2, 0x9000, 0x6000));
    expect(table.find("missing")).toBeUndefined();
  });

  it("assigns empty offsets from 0x9000, aligning apps to 64 KiB and data to 4 KiB", () => {
    const table = parsePartitionTable(
      ["nvs, data, nvs, , 0x5000", "otadata, data, ota, , 0x2000", "factory, app, factory, , 1M", "spiffs, data, spiffs, , 8K"].join("\n"),
    );
    expect(table.entries.map((e) => [e.name, e.offset])).toEqual([
      ["nvs", 0x9000],
      ["otadata", 0xe000],
      ["factory", 0x10000],
      ["spiffs", 0x110000],
    ]);
  });

  it("accepts decimal, hex and K/M sizes", () => {
    const table = parsePartitionTable("a, data, nvs, 0x9000, 16K\nb, data, fat, 0xd000, 4096\nc, app, ota_0, 0x10000, 1M\nd, app, ota_1, 0x110000, 0x100000");
    expect(table.entries.map((e) => e.size)).toEqual([0x4000, 0x1000, 0x100000, 0x100000]);
  });

  it("maps every named subtype and keeps numeric ones", () => {
    const table = parsePartitionTable(
      [
        "f, app, factory, 0x10000, 64K",
        "t, app, test, 0x20000, 64K",
        "o15, 0x40, 0x15, 0x30000, 4K",
        "p, data, phy, 0x31000, 4K",
        "c, data, coredump, 0x32000, 4K",
        "k, data, nvs_keys, 0x33000, 4K",
        "e, data, efuse, 0x34000, 4K",
        "s, data, spiffs, 0x35000, 4K",
        "x, data, 0x99, 0x36000, 4K",
      ].join("\n"),
    );
    expect(table.entries.map((e) => [e.type, e.subtype])).toEqual([
      [0, 0x00],
      [0, 0x20],
      [0x40, 0x15],
      [1, 0x01],
      [1, 0x03],
      [1, 0x04],
      [1, 0x05],
      [1, 0x82],
      [1, 0x99],
    ]);
    expect(table.factory()?.name).toBe("f");
    expect(table.test()?.name).toBe("t");
  });

  it("orders OTA slots by slot number, not by position in the file", () => {
    const table = parsePartitionTable("b, app, ota_1, 0x10000, 64K\na, app, ota_0, 0x20000, 64K");
    expect(table.otaSlots().map((slot) => slot.name)).toEqual(["a", "b"]);
  });

  it("reads the encrypted and readonly flags", () => {
    const table = parsePartitionTable("n, data, nvs, 0x9000, 0x4000, encrypted:readonly");
    expect(table.find("n")).toMatchObject({ encrypted: true, readonly: true });
  });
});

describe("parsePartitionTable rejects, naming the line", () => {
  it("overlapping partitions", () => {
    expect(parseError("a, data, nvs, 0x9000, 0x2000\n# x\nb, data, fat, 0xa000, 0x1000")).toBe(
      't.csv line 3: "b" at 0xa000 overlaps "a" (0x9000-0xafff)',
    );
  });

  it("an app slot not aligned to 64 KiB", () => {
    expect(parseError("ota_0, app, ota_0, 0x11000, 0x10000")).toMatch(/^t\.csv line 1: offset 0x11000 of "ota_0" is not aligned to 0x10000/);
  });

  it("a data partition not aligned to 4 KiB", () => {
    expect(parseError("n, data, nvs, 0x9100, 0x1000")).toMatch(/line 1: offset 0x9100 of "n" is not aligned to 0x1000/);
  });

  it("a size that is not whole sectors", () => {
    expect(parseError("n, data, nvs, 0x9000, 100")).toMatch(/line 1: size 0x64 of "n" is not a multiple/);
  });

  it("duplicate names", () => {
    expect(parseError("n, data, nvs, 0x9000, 4K\nn, data, fat, 0xa000, 4K")).toMatch(/line 2: duplicate partition name "n" \(first on line 1\)/);
  });

  it("a second otadata", () => {
    expect(parseError("o1, data, ota, 0x9000, 8K\no2, data, ota, 0xb000, 8K")).toMatch(/line 2: a second otadata partition "o2"/);
  });

  it("an otadata that is not two sectors", () => {
    expect(parseError("o, data, ota, 0x9000, 4K")).toMatch(/line 1: otadata "o" must be 0x2000 bytes/);
  });

  it("an unknown subtype", () => {
    expect(parseError("x, app, ota_16, 0x10000, 64K")).toMatch(/line 1: unknown subtype "ota_16"/);
  });

  it("a size that is not a number", () => {
    expect(parseError("n, data, nvs, 0x9000, lots")).toMatch(/line 1: size "lots" is not a number/);
  });

  it("a missing size", () => {
    expect(parseError("n, data, nvs, 0x9000")).toMatch(/line 1: size is empty/);
  });

  it("an unknown type", () => {
    expect(parseError("n, code, nvs, 0x9000, 4K")).toMatch(/line 1: type "code" is not a number/);
  });

  it("a partition over the partition table", () => {
    expect(parseError("n, data, nvs, 0x8000, 4K")).toMatch(/line 1: "n" at 0x8000 overlaps the bootloader or the partition table/);
  });

  it("a name longer than 16 characters", () => {
    expect(parseError("abcdefghijklmnopq, data, nvs, 0x9000, 4K")).toMatch(/line 1: partition name "abcdefghijklmnopq" is longer than 16/);
  });

  it("an OTA slot with a lower one missing", () => {
    expect(parseError("a, app, ota_0, 0x10000, 64K\nb, app, ota_2, 0x20000, 64K")).toMatch(/line 2: "b" is ota_2 but ota_1 is missing/);
  });

  it("two partitions for the same app slot", () => {
    expect(parseError("a, app, ota_0, 0x10000, 64K\nb, app, ota_0, 0x20000, 64K")).toMatch(/line 2: app subtype 0x10 is already used by "a"/);
  });

  it("an unknown flag", () => {
    expect(parseError("n, data, nvs, 0x9000, 4K, fast")).toMatch(/line 1: unknown flag "fast"/);
  });
});
