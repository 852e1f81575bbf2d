/**
 * `fieldnode modbus write`: a map entry by name (the value scaled and
 * checked against the entry's type first), or raw holding registers and
 * coils by address. FC 06 / 05 for one cell, FC 10 / 0F for several.
 */
import type { TableName } from "../../../firmware/modbus/map-schema";
import { encodeEntry } from "../../modbus/entry-values";
import { findEntry, type MapEntry } from "../../modbus/map-entries";
import {
  MAX_WRITE_COILS,
  MAX_WRITE_REGISTERS,
  WRITE_MULTIPLE_COILS,
  WRITE_MULTIPLE_REGISTERS,
  WRITE_SINGLE_COIL,
  WRITE_SINGLE_REGISTER,
  hexByte,
  type ModbusRequest,
} from "../../modbus/request";
import { CliError, EXIT, type CliIo } from "../command";
import { integerOption } from "./parse-options";
import { CONNECTION_OPTIONS, ExceptionAnswer, connectionSettings, describeCells, formatJson, loadMap, parseModbusArgs, parseTable, withMaster } from "./modbus-options";

const COMMAND = "modbus write";
const HELP = `see 'fieldnode ${COMMAND} --help'`;

const FUNCTION_NAMES: Readonly<Record<number, string>> = {
  [WRITE_SINGLE_COIL]: "write single coil",
  [WRITE_SINGLE_REGISTER]: "write single register",
  [WRITE_MULTIPLE_COILS]: "write multiple coils",
  [WRITE_MULTIPLE_REGISTERS]: "write multiple registers",
};

function parseBit(text: string): number {
  const bit = { "0": 0, "1": 1, off: 0, on: 1, false: 0, true: 1 }[text.toLowerCase()];
  if (bit === undefined) throw new CliError(`"${text}" is not a coil value (0, 1, on, off, true, false)`, EXIT.usage);
  return bit;
}

/** A raw register: 0-65535, 0x0000-0xFFFF, or -32768 to -1 for an int16's two's complement. */
function parseRegister(text: string): number {
  let value = Number.NaN;
  if (/^0x[0-9a-f]{1,4}$/i.test(text)) value = parseInt(text.slice(2), 16);
  else if (/^-?(0|[1-9][0-9]*)$/.test(text)) value = Number(text);
  if (!(value >= -0x8000 && value <= 0xffff)) throw new CliError(`"${text}" is not a register value (0 to 65535, 0x0000 to 0xFFFF, or -32768 to -1)`, EXIT.usage);
  return value & 0xffff;
}

function parseNumber(text: string, entry: MapEntry): number {
  if (/^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i.test(text)) return Number(text);
  if (/^0x[0-9a-f]+$/i.test(text)) return parseInt(text.slice(2), 16);
  throw new CliError(`"${text}" is not a number for ${entry.name} (${entry.type}${entry.unit === undefined ? "" : `, in ${entry.unit}`})`, EXIT.usage);
}

/** The request for cells from `address`: the single-cell function unless several or --multiple. */
function writeRequest(slave: number, table: TableName, address: number, cells: readonly number[], multiple: boolean): ModbusRequest {
  const coils = table === "coils";
  const max = coils ? MAX_WRITE_COILS : MAX_WRITE_REGISTERS;
  if (cells.length > max) throw new CliError(`${cells.length} values is more than one request writes (${max} ${coils ? "coils" : "registers"})`, EXIT.usage);
  if (address + cells.length > 0x10000) throw new CliError(`${cells.length} values from address ${address} run past 65535`, EXIT.usage);
  if (cells.length === 1 && !multiple) {
    return coils ? { fc: WRITE_SINGLE_COIL, slave, address, value: cells[0] === 1 } : { fc: WRITE_SINGLE_REGISTER, slave, address, value: cells[0]! };
  }
  return coils ? { fc: WRITE_MULTIPLE_COILS, slave, address, values: cells.map((c) => c === 1) } : { fc: WRITE_MULTIPLE_REGISTERS, slave, address, values: cells };
}

interface Plan {
  readonly table: TableName;
  readonly address: number;
  readonly cells: readonly number[];
  readonly entry?: MapEntry;
  /** For a point: the value asked for, and the one its register holds after rounding. */
  readonly value?: number | boolean;
  readonly stored?: number;
}

function planNamed(positionals: readonly string[], mapPath: string | undefined): Plan {
  const [name, ...texts] = positionals;
  if (name === undefined) throw new CliError(`name what to write and its value (e.g. config.baud 9600), or --table T --address A VALUE...; ${HELP}`, EXIT.usage);
  const map = loadMap(mapPath);
  const entry = findEntry(map.entries, name);
  if (typeof entry === "string") throw new CliError(`${entry}; 'fieldnode modbus read --all' lists the map's entries`, EXIT.usage);
  if (!entry.writable) {
    const why = entry.table === "coils" || entry.table === "holding-registers" ? "its source takes no writes" : `${entry.table.replace("-", " ")} are read-only in Modbus`;
    throw new CliError(`${entry.name} is read-only (${why})`, EXIT.usage);
  }
  if (texts.length === 0) throw new CliError(`missing the value to write to ${entry.name}; ${HELP}`, EXIT.usage);
  const { table, address } = entry;
  if (entry.storage) {
    if (texts.length > entry.count) throw new CliError(`${entry.name} has ${entry.count} cells; got ${texts.length} values`, EXIT.usage);
    return { table, address, entry, cells: texts.map(table === "coils" ? parseBit : parseRegister) };
  }
  if (texts.length > 1) throw new CliError(`${entry.name} takes one value, got ${texts.length}: ${texts.join(" ")}`, EXIT.usage);
  if (entry.type === "bool") {
    const bit = parseBit(texts[0]!);
    return { table, address, entry, cells: [bit], value: bit === 1 };
  }
  const value = parseNumber(texts[0]!, entry);
  const encoded = encodeEntry(entry, value);
  if (!encoded.ok) throw new CliError(encoded.problem, EXIT.usage);
  return { table, address, entry, cells: encoded.words, value, stored: encoded.stored };
}

function describeWrite(plan: Plan, request: ModbusRequest): string {
  const where = `${describeCells(plan.table, plan.address, plan.cells.length)}: ${plan.cells.join(" ")}`;
  const how = `function ${hexByte(request.fc)} (${FUNCTION_NAMES[request.fc]})`;
  const { entry } = plan;
  if (entry === undefined || entry.storage) return `${entry === undefined ? where : `${entry.name} (${where})`} with ${how}`;
  let value = typeof plan.value === "boolean" ? (plan.value ? "1" : "0") : String(plan.stored);
  if (entry.unit !== undefined) value += ` ${entry.unit}`;
  const rounded = typeof plan.value === "number" && plan.stored !== plan.value ? `; ${plan.value} rounded to ${plan.stored} by the register's ${entry.type}${entry.scale === 1 ? "" : ` ×${entry.scale}`}` : "";
  return `${entry.name} = ${value} (${where}) with ${how}${rounded}`;
}

export async function runWrite(argv: readonly string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseModbusArgs(COMMAND, argv, {
    ...CONNECTION_OPTIONS,
    table: { type: "string" },
    address: { type: "string" },
    multiple: { type: "boolean", default: false },
  });
  const settings = connectionSettings(COMMAND, values);
  const json = values.json === true;
  let plan: Plan;
  if (values.table !== undefined) {
    const table = parseTable(COMMAND, values.table, ["coils", "holding-registers"]);
    if (values.address === undefined) throw new CliError(`--table needs --address A (the first address, 0-based as on the wire); ${HELP}`, EXIT.usage);
    const address = integerOption(COMMAND, "--address", values.address, 0, 0xffff);
    if (positionals.length === 0) throw new CliError(`missing the value(s) to write; ${HELP}`, EXIT.usage);
    plan = { table, address, cells: positionals.map(table === "coils" ? parseBit : parseRegister) };
  } else {
    if (values.address !== undefined) throw new CliError(`--address goes with --table (raw cells); the slave's own address is --slave N; ${HELP}`, EXIT.usage);
    plan = planNamed(positionals, values["register-map"]);
  }
  const request = writeRequest(settings.slave, plan.table, plan.address, plan.cells, values.multiple === true);
  const answer = await withMaster(settings, json, io, async (master) => {
    const reply = await master.transact(request);
    if (reply.kind === "exception") throw new ExceptionAnswer(reply.code, request);
    return reply;
  });
  const broadcast = answer.kind === "broadcast";
  if (json) {
    const named = plan.entry === undefined ? {} : { name: plan.entry.name, ...(plan.entry.storage ? {} : { value: plan.stored ?? plan.value, unit: plan.entry.unit ?? null }) };
    io.stdout(formatJson({ ok: true, slave: settings.slave, broadcast, function: request.fc, table: plan.table, address: plan.address, count: plan.cells.length, raw: plan.cells, ...named }));
  } else if (broadcast) {
    io.stdout(`broadcast ${describeWrite(plan, request)}; slaves do not answer a broadcast, so nothing confirms it\n`);
  } else {
    io.stdout(`wrote ${describeWrite(plan, request)}\n`);
  }
  return EXIT.ok;
}
