/**
 * The register map as data: encodings (scaled 16-bit, 32-bit and float32 in
 * either word order), validation of map files with errors that name the
 * offending entry, and the documented default map.
 */
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { DEFAULT_REGISTER_MAP } from "../../firmware/modbus/default-map";
import { describeRegisterMap } from "../../firmware/modbus/describe-map";
import { parseRegisterMapJson, RegisterMapError } from "../../firmware/modbus/map-schema";
import { compileRegisterMap } from "../../firmware/modbus/register-map";
import type { SourceRegistry } from "../../firmware/modbus/sources";
import { Rig } from "./rig";

function sensorRig(values: Record<string, number | undefined>) {
  const points = Object.fromEntries(
    Object.keys(values).map((name) => [name, { read: () => values[name], write: (v: number) => ((values[name] = v), 0) }]),
  );
  return new Rig({
    sources: { sensors: { description: "test channels", points } },
    mapText: JSON.stringify({
      blocks: [
        {
          name: "live",
          table: "input-registers",
          address: 0,
          source: "sensors",
          points: [
            { point: "temperature", type: "int16", scale: 100, unit: "°C" },
            { point: "pressure", type: "float32" },
            { point: "pressure", type: "float32", wordOrder: "low-first" },
            { point: "energy", type: "uint32" },
            { point: "energy", type: "uint32", wordOrder: "low-first" },
            { point: "offset", type: "int32" },
          ],
        },
        {
          name: "setpoints",
          table: "holding-registers",
          address: 0,
          source: "sensors",
          points: [
            { point: "temperature", type: "int16", scale: 10 },
            { point: "pressure", type: "float32", wordOrder: "low-first" },
          ],
        },
      ],
    }),
  });
}

describe("encodings", () => {
  it("int16 scaled: -12.34 °C × 100 = -1234 = 0xFB2E", () => {
    expect(sensorRig({ temperature: -12.34, pressure: 0, energy: 0, offset: 0 }).transact("01 04 00 00 00 01")).toBe("01 04 02 fb 2e");
  });

  it("float32 high word first (ABCD) and low word first (CDAB): 1013.25 = 0x447D5000", () => {
    expect(sensorRig({ temperature: 0, pressure: 1013.25, energy: 0, offset: 0 }).transact("01 04 00 01 00 04")).toBe("01 04 08 44 7d 50 00 50 00 44 7d");
  });

  it("uint32 in both word orders: 305419896 = 0x12345678", () => {
    expect(sensorRig({ temperature: 0, pressure: 0, energy: 0x12345678, offset: 0 }).transact("01 04 00 05 00 04")).toBe("01 04 08 12 34 56 78 56 78 12 34");
  });

  it("int32: -2 = 0xFFFFFFFE", () => {
    expect(sensorRig({ temperature: 0, pressure: 0, energy: 0, offset: -2 }).transact("01 04 00 09 00 02")).toBe("01 04 04 ff ff ff fe");
  });

  it("a value its type cannot hold is a device failure, not a wrapped number", () => {
    expect(sensorRig({ temperature: 400, pressure: 0, energy: 0, offset: 0 }).transact("01 04 00 00 00 01")).toBe("01 84 04");
    expect(sensorRig({ temperature: 0, pressure: 0, energy: -1, offset: 0 }).transact("01 04 00 05 00 02")).toBe("01 84 04");
  });

  it("an invalid value (a sensor fault) is exception 04", () => {
    expect(sensorRig({ temperature: undefined, pressure: 0, energy: 0, offset: 0 }).transact("01 04 00 00 00 01")).toBe("01 84 04");
  });

  it("writes are unscaled and decoded by word order", () => {
    const values: Record<string, number | undefined> = { temperature: 0, pressure: 0, energy: 0, offset: 0 };
    const rig = sensorRig(values);
    expect(rig.transact("01 10 00 00 00 03 06 ff 9c 50 00 44 7d")).toBe("01 10 00 00 00 03");
    expect(values.temperature).toBe(-10);
    expect(values.pressure).toBe(1013.25);
  });

  it("a float that is not a number is refused with 03", () => {
    const rig = sensorRig({ temperature: 0, pressure: 0, energy: 0, offset: 0 });
    expect(rig.transact("01 10 00 01 00 02 04 00 00 7f c0")).toBe("01 90 03");
  });
});

describe("map validation", () => {
  const sources: SourceRegistry = { device: { description: "", points: { uptime: { read: () => 1 } } } };
  const compile = (document: unknown) => () => compileRegisterMap(document, sources);
  const block = (extra: object) => ({ blocks: [{ name: "b", table: "holding-registers", address: 0, source: "storage", count: 1, ...extra }] });

  it.each([
    ["not an object", [], "register map: (top level): must be an object with a \"blocks\" array"],
    ["no blocks", {}, "register map: blocks: must be an array of blocks"],
    ["unknown top-level field", { blocks: [], blcoks: [] }, "register map: blcoks: unknown field"],
    ["bad table", block({ table: "holding" }), 'register map: blocks[0] ("b").table: "holding" is not one of coils, discrete-inputs, input-registers, holding-registers'],
    ["address out of range", block({ address: 70000 }), 'register map: blocks[0] ("b").address: 70000 is not an address (0-65535)'],
    ["storage without count", block({ count: undefined }), 'register map: blocks[0] ("b").count: missing is not a cell count (1-65536)'],
    ["storage with points", block({ points: [] }), 'register map: blocks[0] ("b").points: a storage block has no points'],
    ["typo in a field", block({ adress: 3 }), 'register map: blocks[0].adress: unknown field'],
    ["runs past 65535", block({ address: 65535, count: 2 }), 'register map: blocks[0] ("b"): 2 cells from address 65535 run past 65535 (to 65536)'],
    [
      "bad point type",
      { blocks: [{ name: "d", table: "input-registers", address: 0, source: "device", points: [{ point: "uptime", type: "int64" }] }] },
      'register map: blocks[0] ("d").points[0].type: "int64" is not one of int16, uint16, int32, uint32, float32',
    ],
    [
      "a register type in a bit table",
      { blocks: [{ name: "d", table: "coils", address: 0, source: "device", points: [{ point: "uptime", type: "uint16" }] }] },
      'register map: blocks[0] ("d").points[0].type: "uint16" cannot be placed in coils',
    ],
    [
      "word order on a 16-bit value",
      { blocks: [{ name: "d", table: "input-registers", address: 0, source: "device", points: [{ point: "uptime", wordOrder: "low-first" }] }] },
      'register map: blocks[0] ("d").points[0].wordOrder: only 32-bit types have a word order, not uint16',
    ],
    [
      "scale zero",
      { blocks: [{ name: "d", table: "input-registers", address: 0, source: "device", points: [{ point: "uptime", scale: 0 }] }] },
      'register map: blocks[0] ("d").points[0].scale: 0 is not a non-zero number',
    ],
    [
      "unknown source",
      { blocks: [{ name: "d", table: "input-registers", address: 0, source: "sensors", points: [{ point: "t1" }] }] },
      'register map: blocks[0] ("d").source: "sensors" is not a source of this firmware (known: storage, device)',
    ],
    [
      "unknown point",
      { blocks: [{ name: "d", table: "input-registers", address: 0, source: "device", points: [{ point: "uptim" }] }] },
      'register map: blocks[0] ("d").points[0].point: source "device" has no value "uptim" (it has: uptime)',
    ],
    [
      "overlapping blocks",
      {
        blocks: [
          { name: "a", table: "holding-registers", address: 0, source: "storage", count: 10 },
          { name: "b", table: "holding-registers", address: 9, source: "storage", count: 2 },
        ],
      },
      'register map: blocks[1] ("b") overlaps blocks[0] ("a"): holding-registers address 9 is in both',
    ],
    [
      "duplicate names",
      {
        blocks: [
          { name: "a", table: "coils", address: 0, source: "storage", count: 1 },
          { name: "a", table: "coils", address: 5, source: "storage", count: 1 },
        ],
      },
      'register map: blocks[1] ("a").name: is already the name of blocks[0]',
    ],
  ])("refuses %s, naming the entry", (_name, document, message) => {
    expect(compile(document)).toThrow(RegisterMapError);
    expect(compile(document)).toThrow(message);
  });

  it("the same address in different tables is fine", () => {
    expect(() =>
      compileRegisterMap(
        {
          blocks: [
            { name: "a", table: "holding-registers", address: 0, source: "storage", count: 10 },
            { name: "b", table: "input-registers", address: 0, source: "storage", count: 10 },
          ],
        },
        {},
      ),
    ).not.toThrow();
  });

  it("reports JSON syntax errors as such", () => {
    expect(() => parseRegisterMapJson("{ blocks: [")).toThrow(/register map is not valid JSON: /);
  });

  it("a map resource that does not validate is reported and the default map is served", () => {
    const rig = new Rig({ mapText: JSON.stringify({ blocks: [{ name: "x", table: "coils", address: 0, source: "nope", points: [{ point: "a" }] }] }) });
    expect(rig.log.some((l) => l.startsWith('modbus: modbus-map.json rejected, serving the default map: register map: blocks[0] ("x").source: "nope"'))).toBe(true);
    expect(rig.transact("01 03 00 00 00 01")).toBe("01 03 02 00 01");
  });
});

describe("the default map", () => {
  const table = describeRegisterMap(DEFAULT_REGISTER_MAP);

  it("is documented verbatim in docs/modbus.md and the README", () => {
    for (const file of ["docs/modbus.md", "README.md"]) {
      const text = readFileSync(new URL(`../../${file}`, import.meta.url), "utf8");
      expect(text, `${file} is missing the default map table; regenerate it with describeRegisterMap(DEFAULT_REGISTER_MAP)`).toContain(table);
    }
  });

  it("gives input registers 100-199 to the sensor channels alone, 100-125 in use", () => {
    const map = new Rig().modbus.map;
    for (let a = 100; a < 200; a++) {
      const index = map.inputRegisters.find(a);
      const name = index < 0 ? undefined : map.inputRegisters.blocks[index]!.name;
      const source = map.spec.blocks.find((b) => b.name === name)?.source;
      if (a <= 105 || (a >= 110 && a <= 115) || (a >= 120 && a <= 125)) expect(source, `input register ${a}`).toBe("sensors");
      else expect(index, `input register ${a}`).toBe(-1);
    }
  });
});
