/**
 * Map entries and their values on the host: names from the default map,
 * lookup by full or bare name, and values to and from registers through the
 * firmware's codec (scale, sign, 32-bit word order, float32).
 */
import { describe, expect, it } from "vitest";
import { RegisterMapError } from "../../firmware/modbus/map-schema";
import { decodeEntry, encodeEntry } from "../../host/modbus/entry-values";
import { findEntry, loadRegisterMap, type MapEntry } from "../../host/modbus/map-entries";

const defaults = loadRegisterMap();

function entry(overrides: Partial<MapEntry>): MapEntry {
  return {
    name: "test.value",
    block: "test",
    point: "value",
    table: "holding-registers",
    address: 0,
    count: 1,
    type: "uint16",
    scale: 1,
    wordOrder: "high-first",
    unit: undefined,
    label: undefined,
    writable: true,
    storage: false,
    ...overrides,
  };
}

describe("map entries", () => {
  it("names the default map's config points by block and point", () => {
    expect(defaults.entries.filter((e) => e.block === "config").map((e) => e.name)).toEqual(["config.address", "config.baud", "config.parity", "config.stopBits"]);
  });

  it("gives config.baud its register, scale and writability", () => {
    expect(findEntry(defaults.entries, "config.baud")).toMatchObject({ table: "holding-registers", address: 1, count: 1, type: "uint16", scale: 0.01, writable: true });
  });

  it("finds a point by its own name when one block has it", () => {
    expect(findEntry(defaults.entries, "uptime")).toMatchObject({ name: "device.uptime", address: 0, count: 2, unit: "s", writable: false });
  });

  it("lists a storage block as one entry of its size", () => {
    expect(findEntry(defaults.entries, "scratch")).toMatchObject({ table: "holding-registers", address: 100, count: 100, storage: true, writable: true });
  });

  it("suggests names that contain what was asked", () => {
    expect(findEntry(defaults.entries, "boot.c")).toBe('no entry "boot.c" in the register map (did you mean device.boot.count?)');
  });

  it("takes a sensor channel's unit from the firmware's channel table", () => {
    const map = loadRegisterMap(
      JSON.stringify({ blocks: [{ name: "env", table: "input-registers", address: 100, source: "sensors", points: [{ point: "temperature", type: "int16", scale: 100 }] }] }),
    );
    expect(findEntry(map.entries, "temperature")).toMatchObject({ name: "env.temperature", unit: "°C", scale: 100, type: "int16" });
  });

  it("refuses a map naming a value its source does not have, as the simulator does", () => {
    const text = JSON.stringify({ blocks: [{ name: "s", table: "input-registers", address: 0, source: "device", points: [{ point: "uptim" }] }] });
    expect(() => loadRegisterMap(text)).toThrow(RegisterMapError);
  });
});

describe("values through the firmware's codec", () => {
  it("decodes uint16 ×0.01: register 192 is 19200", () => {
    expect(decodeEntry(entry({ scale: 0.01 }), [192])).toBe(19200);
  });

  it("decodes int16 ×100: register 0xF830 is -20", () => {
    expect(decodeEntry(entry({ type: "int16", scale: 100 }), [0xf830])).toBe(-20);
  });

  it("decodes int32 low word first", () => {
    expect(decodeEntry(entry({ type: "int32", count: 2, wordOrder: "low-first" }), [0xff83, 0xffff])).toBe(-125);
  });

  it("decodes float32 high word first, to float32 precision", () => {
    expect(decodeEntry(entry({ type: "float32", count: 2 }), [0x41b4, 0x0000])).toBe(22.5);
  });

  it("decodes a float32 NaN as null", () => {
    expect(decodeEntry(entry({ type: "float32", count: 2 }), [0x7fc0, 0x0000])).toBeNull();
  });

  it("decodes a bit as a boolean", () => {
    expect(decodeEntry(entry({ table: "coils", type: "bool" }), [1])).toBe(true);
  });

  it("encodes -12.5 as int32 ×10 low word first", () => {
    expect(encodeEntry(entry({ type: "int32", count: 2, scale: 10, wordOrder: "low-first" }), -12.5)).toEqual({ ok: true, words: [0xff83, 0xffff], stored: -12.5 });
  });

  it("encodes float32 22.5 high word first", () => {
    expect(encodeEntry(entry({ type: "float32", count: 2 }), 22.5)).toEqual({ ok: true, words: [0x41b4, 0x0000], stored: 22.5 });
  });

  it("reports the stored value when scaling rounds", () => {
    expect(encodeEntry(entry({ scale: 0.01 }), 9601)).toEqual({ ok: true, words: [96], stored: 9600 });
  });

  it("refuses a value past the type's range, with the range in units", () => {
    expect(encodeEntry(entry({ name: "config.baud", scale: 0.01 }), 7_000_000)).toEqual({ ok: false, problem: "7000000 does not fit config.baud (uint16 ×0.01: 0 to 6553500)" });
  });

  it("refuses a negative value for an unsigned type", () => {
    expect(encodeEntry(entry({}), -1)).toEqual({ ok: false, problem: "-1 does not fit test.value (uint16: 0 to 65535)" });
  });

  it("refuses a float32 value past its range", () => {
    expect(encodeEntry(entry({ type: "float32", count: 2 }), 1e39)).toMatchObject({ ok: false });
  });
});
