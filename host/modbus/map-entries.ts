/**
 * The named entries of a register map, as a technician asks for them:
 * every point as "<block>.<point>" (config.baud, device.uptime), every
 * storage block by its name (scratch), each with its table, address, type,
 * scale, unit and whether a master may write it. A map is checked against
 * this firmware's sources exactly as the simulator's --register-map is.
 */
import { DEFAULT_REGISTER_MAP } from "../../firmware/modbus/default-map";
import { isBitTable, parseRegisterMapJson, pointWords, type PointType, type RegisterMapSpec, type TableName, type WordOrder } from "../../firmware/modbus/map-schema";
import { describeSources } from "../../firmware/modbus/modbus";
import { compileRegisterMap } from "../../firmware/modbus/register-map";
import { STORAGE_SOURCE, type SourceRegistry } from "../../firmware/modbus/sources";
import { SENSORS_SOURCE, describeSensorSource } from "../../firmware/sensors/modbus-source";
import { CHANNELS } from "../../firmware/sensors/settings";

export interface MapEntry {
  /** "config.baud" for a point, "scratch" for a storage block. */
  readonly name: string;
  readonly block: string;
  /** The source's value name; undefined for a storage block. */
  readonly point: string | undefined;
  readonly table: TableName;
  readonly address: number;
  /** Cells: 1 or 2 registers for a point, 1 bit in a bit table, the block size for storage. */
  readonly count: number;
  readonly type: PointType;
  readonly scale: number;
  readonly wordOrder: WordOrder;
  readonly unit: string | undefined;
  readonly label: string | undefined;
  /** In a writable table, and storage or a source value that takes writes. */
  readonly writable: boolean;
  readonly storage: boolean;
}

export interface LoadedMap {
  readonly description: string;
  readonly spec: RegisterMapSpec;
  readonly entries: readonly MapEntry[];
}

/** The sources a map may bind to on this firmware, without a device: what the simulator checks --register-map against. */
export function firmwareSources(): SourceRegistry {
  return describeSources({ [SENSORS_SOURCE]: describeSensorSource() });
}

/**
 * The map from a map file's text, or the default map. Throws RegisterMapError
 * naming the offending entry, as the device and simulator would.
 */
export function loadRegisterMap(text?: string): LoadedMap {
  const spec = text === undefined ? DEFAULT_REGISTER_MAP : parseRegisterMapJson(text);
  const sources = firmwareSources();
  // Compiling checks what validation alone does not: sources and their values exist, blocks do not overlap.
  compileRegisterMap(spec, sources);
  return { description: spec.description ?? (text === undefined ? "default register map" : "register map"), spec, entries: mapEntries(spec, sources) };
}

/** Sensor channels carry their unit in the firmware's channel table; a map need not repeat it. */
function sourceUnit(source: string, point: string): string | undefined {
  if (source !== SENSORS_SOURCE) return undefined;
  if (point.endsWith(".age")) return "s";
  const channel = point.endsWith(".held") ? point.slice(0, -".held".length) : point;
  return Object.prototype.hasOwnProperty.call(CHANNELS, channel) ? CHANNELS[channel]!.unit : undefined;
}

export function mapEntries(spec: RegisterMapSpec, sources: SourceRegistry): MapEntry[] {
  const entries: MapEntry[] = [];
  for (const block of spec.blocks) {
    const bits = isBitTable(block.table);
    const writableTable = block.table === "coils" || block.table === "holding-registers";
    if (block.source === STORAGE_SOURCE) {
      entries.push({
        name: block.name,
        block: block.name,
        point: undefined,
        table: block.table,
        address: block.address,
        count: block.count!,
        type: bits ? "bool" : "uint16",
        scale: 1,
        wordOrder: "high-first",
        unit: undefined,
        label: block.label,
        writable: writableTable,
        storage: true,
      });
      continue;
    }
    let address = block.address;
    for (const point of block.points!) {
      const type = point.type ?? (bits ? "bool" : "uint16");
      const count = type === "bool" ? 1 : pointWords(type);
      const source = sources[block.source]?.points[point.point];
      entries.push({
        name: `${block.name}.${point.point}`,
        block: block.name,
        point: point.point,
        table: block.table,
        address,
        count,
        type,
        scale: point.scale ?? 1,
        wordOrder: point.wordOrder ?? "high-first",
        unit: point.unit ?? sourceUnit(block.source, point.point),
        label: point.label,
        writable: writableTable && typeof source?.write === "function",
        storage: false,
      });
      address += count;
    }
  }
  return entries;
}

/**
 * The entry called `name`: its full name, or a point's own name when only
 * one block has it ("baud" for config.baud). A string says why none matched.
 */
export function findEntry(entries: readonly MapEntry[], name: string): MapEntry | string {
  const exact = entries.find((e) => e.name === name);
  if (exact !== undefined) return exact;
  const byPoint = entries.filter((e) => e.point === name);
  if (byPoint.length === 1) return byPoint[0]!;
  if (byPoint.length > 1) return `"${name}" is in several blocks: ${byPoint.map((e) => e.name).join(", ")}; give the full name`;
  const lower = name.toLowerCase();
  const near = entries.filter((e) => e.name.toLowerCase().includes(lower)).map((e) => e.name);
  return `no entry "${name}" in the register map${near.length > 0 ? ` (did you mean ${near.slice(0, 5).join(", ")}?)` : ""}`;
}
