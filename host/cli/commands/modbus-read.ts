/**
 * `fieldnode modbus read`: map entries by name with their decoded, scaled
 * values and units; every entry of the map (--all); or raw cells of a table.
 */
import { isBitTable, type TableName } from "../../../firmware/modbus/map-schema";
import { decodeEntry, type EntryValue } from "../../modbus/entry-values";
import { describeException, exceptionName } from "../../modbus/exceptions";
import { findEntry, type MapEntry } from "../../modbus/map-entries";
import type { RtuMaster } from "../../modbus/master";
import {
  MAX_READ_BITS,
  MAX_READ_REGISTERS,
  READ_COILS,
  READ_DISCRETE_INPUTS,
  READ_HOLDING_REGISTERS,
  READ_INPUT_REGISTERS,
  type ReadFunction,
  type ReadRequest,
} from "../../modbus/request";
import { CliError, EXIT, type CliIo } from "../command";
import { integerOption } from "./parse-options";
import {
  CONNECTION_OPTIONS,
  ExceptionAnswer,
  TABLE_SHORT,
  connectionSettings,
  describeCells,
  formatJson,
  loadMap,
  parseModbusArgs,
  parseTable,
  withMaster,
} from "./modbus-options";

const COMMAND = "modbus read";

const READ_FUNCTION: Readonly<Record<TableName, ReadFunction>> = {
  coils: READ_COILS,
  "discrete-inputs": READ_DISCRETE_INPUTS,
  "holding-registers": READ_HOLDING_REGISTERS,
  "input-registers": READ_INPUT_REGISTERS,
};

/**
 * `count` cells from `address`: registers 0-65535, bits 0/1. Split into as
 * many requests as the spec's per-request limits need. Throws ExceptionAnswer.
 */
export async function readCells(master: RtuMaster, slave: number, table: TableName, address: number, count: number): Promise<number[]> {
  const max = isBitTable(table) ? MAX_READ_BITS : MAX_READ_REGISTERS;
  const cells: number[] = [];
  for (let done = 0; done < count; ) {
    const request: ReadRequest = { fc: READ_FUNCTION[table], slave, address: address + done, count: Math.min(max, count - done) };
    const answer = await master.transact(request);
    if (answer.kind === "exception") throw new ExceptionAnswer(answer.code, request);
    if (answer.kind === "registers") cells.push(...answer.values);
    else if (answer.kind === "bits") cells.push(...answer.values.map((on) => (on ? 1 : 0)));
    else throw new Error(`a read answered with "${answer.kind}"`);
    done += request.count;
  }
  return cells;
}

interface Reading {
  readonly entry: MapEntry;
  readonly cells?: readonly number[];
  readonly value?: EntryValue;
  readonly exception?: ExceptionAnswer;
}

async function readEntry(master: RtuMaster, slave: number, entry: MapEntry): Promise<Reading> {
  try {
    const cells = await readCells(master, slave, entry.table, entry.address, entry.count);
    return { entry, cells, value: decodeEntry(entry, cells) };
  } catch (error) {
    if (error instanceof ExceptionAnswer) return { entry, exception: error };
    throw error;
  }
}

/**
 * Every entry, one read per block where the block allows it (a map's blocks
 * are contiguous). A block answered with an exception is read again entry by
 * entry, so the table shows which value the device refuses.
 */
async function readAll(master: RtuMaster, slave: number, entries: readonly MapEntry[]): Promise<Reading[]> {
  const readings: Reading[] = [];
  const blocks = new Map<string, MapEntry[]>();
  for (const entry of entries) blocks.set(entry.block, [...(blocks.get(entry.block) ?? []), entry]);
  for (const members of blocks.values()) {
    const first = members[0]!;
    const last = members[members.length - 1]!;
    const count = last.address + last.count - first.address;
    let cells: number[] | undefined;
    try {
      cells = await readCells(master, slave, first.table, first.address, count);
    } catch (error) {
      if (!(error instanceof ExceptionAnswer)) throw error;
    }
    for (const entry of members) {
      if (cells === undefined) readings.push(await readEntry(master, slave, entry));
      else {
        const own = cells.slice(entry.address - first.address, entry.address - first.address + entry.count);
        readings.push({ entry, cells: own, value: decodeEntry(entry, own) });
      }
    }
  }
  return readings;
}

function formatValue(entry: MapEntry, value: EntryValue): string {
  if (value === null) return "not a finite number";
  if (typeof value === "boolean") return value ? "1" : "0";
  if (typeof value === "number") return entry.unit === undefined ? String(value) : `${value} ${entry.unit}`;
  return value.map((v) => (typeof v === "boolean" ? (v ? "1" : "0") : String(v))).join(" ");
}

/** A storage block in the --all table: its size and the cells that are not 0, instead of a hundred zeros. */
function summarizeStorage(reading: Reading): string {
  const cells = reading.cells!;
  const set = cells.map((c, i) => [reading.entry.address + i, c] as const).filter(([, c]) => c !== 0);
  const what = `${cells.length} ${isBitTable(reading.entry.table) ? "bits" : "registers"}`;
  if (set.length === 0) return `${what}, all 0`;
  const shown = set.slice(0, 6).map(([a, c]) => `${a}=${c}`).join(" ");
  return `${what}, ${set.length} not 0: ${shown}${set.length > 6 ? " ..." : ""}`;
}

function readingJson(reading: Reading): Record<string, unknown> {
  const { entry } = reading;
  const base = {
    name: entry.name,
    table: entry.table,
    address: entry.address,
    count: entry.count,
    type: entry.type,
    scale: entry.scale,
    ...(entry.count === 2 ? { wordOrder: entry.wordOrder } : {}),
    unit: entry.unit ?? null,
  };
  if (reading.exception !== undefined) {
    return { ...base, exception: { code: reading.exception.code, name: exceptionName(reading.exception.code) } };
  }
  return { ...base, value: reading.value, raw: reading.cells };
}

function reportReadings(readings: readonly Reading[], all: boolean, header: string, json: boolean, slave: number, map: string, io: CliIo): number {
  const failed = readings.filter((r) => r.exception !== undefined);
  if (json) {
    io.stdout(formatJson({ ok: failed.length === 0, slave, map, entries: readings.map(readingJson) }));
  } else if (all) {
    const rows = readings.map((r) => {
      const value = r.exception !== undefined ? describeException(r.exception.code) : r.entry.storage ? summarizeStorage(r) : formatValue(r.entry, r.value!);
      return [r.entry.name, value, `${TABLE_SHORT[r.entry.table]} ${r.entry.count === 1 ? r.entry.address : `${r.entry.address}-${r.entry.address + r.entry.count - 1}`}`, r.entry.label ?? ""];
    });
    const widths = [0, 1, 2].map((c) => Math.max(...rows.map((row) => row[c]!.length)));
    io.stdout(`${header}\n`);
    for (const row of rows) io.stdout(`${row.map((cell, c) => (c < 3 ? cell.padEnd(widths[c]!) : cell)).join("  ").trimEnd()}\n`);
  } else {
    for (const r of readings) {
      if (r.exception !== undefined) continue;
      const where = describeCells(r.entry.table, r.entry.address, r.entry.count);
      if (r.entry.storage) io.stdout(`${r.entry.name} (${where}): ${formatValue(r.entry, r.value!)}\n`);
      else io.stdout(`${r.entry.name} = ${formatValue(r.entry, r.value!)}  (${where}: ${r.cells!.join(" ")})\n`);
    }
  }
  for (const r of failed) io.stderr(`fieldnode modbus: ${r.entry.name}: ${r.exception!.message}\n`);
  return failed.length === 0 ? EXIT.ok : EXIT.failed;
}

export async function runRead(argv: readonly string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseModbusArgs(COMMAND, argv, {
    ...CONNECTION_OPTIONS,
    all: { type: "boolean", default: false },
    table: { type: "string" },
    address: { type: "string" },
    count: { type: "string" },
  });
  const help = `see 'fieldnode ${COMMAND} --help'`;
  const settings = connectionSettings(COMMAND, values);
  if (settings.slave === 0) throw new CliError(`--slave 0 is broadcast, which nobody answers: a read needs a slave address 1-247`, EXIT.usage);
  const json = values.json === true;
  const all = values.all === true;

  if (values.table !== undefined) {
    if (all || positionals.length > 0) throw new CliError(`--table reads raw cells; give it without names or --all; ${help}`, EXIT.usage);
    if (values.address === undefined) throw new CliError(`--table needs --address A (the first address, 0-based as on the wire); ${help}`, EXIT.usage);
    const table = parseTable(COMMAND, values.table, ["coils", "discrete-inputs", "input-registers", "holding-registers"]);
    const address = integerOption(COMMAND, "--address", values.address, 0, 0xffff);
    const bits = isBitTable(table);
    // Larger than one request allows is fine: readCells splits it.
    const count = integerOption(COMMAND, "--count", values.count, 1, 0x10000);
    if (count === 0) throw new CliError(`--count must be at least 1; ${help}`, EXIT.usage);
    if (address + count > 0x10000) throw new CliError(`--count ${count} from --address ${address} runs past 65535`, EXIT.usage);
    const cells = await withMaster(settings, json, io, (master) => readCells(master, settings.slave, table, address, count));
    if (json) {
      io.stdout(formatJson({ ok: true, slave: settings.slave, table, address, count, values: bits ? cells.map((c) => c !== 0) : cells }));
    } else {
      cells.forEach((cell, i) => {
        const hex = bits ? "" : ` (0x${cell.toString(16).padStart(4, "0")})`;
        io.stdout(`${describeCells(table, address + i, 1)}: ${cell}${hex}\n`);
      });
    }
    return EXIT.ok;
  }

  if (values.address !== undefined || values.count !== undefined) {
    const flag = values.address !== undefined ? "--address" : "--count";
    throw new CliError(`${flag} goes with --table (raw cells); the slave's own address is --slave N; ${help}`, EXIT.usage);
  }
  if (all && positionals.length > 0) throw new CliError(`give names or --all, not both; ${help}`, EXIT.usage);
  if (!all && positionals.length === 0) {
    throw new CliError(`name what to read (e.g. config.baud; --all reads every entry), or --table T --address A for raw cells; ${help}`, EXIT.usage);
  }
  const map = loadMap(values["register-map"]);
  let entries: readonly MapEntry[] = map.entries;
  if (!all) {
    entries = positionals.map((name) => {
      const found = findEntry(map.entries, name);
      if (typeof found === "string") throw new CliError(`${found}; 'fieldnode modbus read --all' lists the map's entries`, EXIT.usage);
      return found;
    });
  }
  let line = "";
  const readings = await withMaster(settings, json, io, async (master) => {
    line = master.description;
    if (all) return readAll(master, settings.slave, entries);
    const out: Reading[] = [];
    for (const entry of entries) out.push(await readEntry(master, settings.slave, entry));
    return out;
  });
  const header = `slave ${settings.slave} on ${line}: ${map.description}`;
  return reportReadings(readings, all, header, json, settings.slave, map.description, io);
}
