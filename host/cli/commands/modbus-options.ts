/**
 * What `fieldnode modbus read` and `write` share: the connection flags
 * (serial port or RTU over TCP, slave, timeout, retries), the register map,
 * and turning the master's failures into the CLI's exit codes: a Modbus
 * exception is the device saying no (1), a port, host or silent slave is
 * something to check on the bench (3).
 */
import type { ParseArgsConfig } from "node:util";
import { RegisterMapError, type TableName } from "../../../firmware/modbus/map-schema";
import type { Parity, StopBits } from "../../../firmware/modbus/timing";
import { parseTcpEndpoint } from "../../../sim/serial/modbus-access";
import { describeException, exceptionName } from "../../modbus/exceptions";
import { loadRegisterMap, type LoadedMap } from "../../modbus/map-entries";
import { LinkError, RtuMaster } from "../../modbus/master";
import { hexByte, type ModbusRequest } from "../../modbus/request";
import { openSerialTransport } from "../../modbus/serial-transport";
import { openTcpTransport } from "../../modbus/tcp-transport";
import { TransportError } from "../../modbus/transport";
import { CliError, EXIT, type CliIo } from "../command";
import { integerOption, parseCommandLine, readInput } from "./parse-options";

export const CONNECTION_OPTIONS = {
  port: { type: "string" },
  baud: { type: "string" },
  parity: { type: "string" },
  "stop-bits": { type: "string" },
  tcp: { type: "string" },
  slave: { type: "string" },
  timeout: { type: "string" },
  retries: { type: "string" },
  "register-map": { type: "string" },
  json: { type: "boolean", default: false },
} as const satisfies ParseArgsConfig["options"];

export const CONNECTION_HELP = `connection (one of):
  --port PATH          serial port or pseudo-terminal (/dev/ttyUSB0, COM3)
    --baud N           default 19200
    --parity P         even (default), odd or none
    --stop-bits N      1, or 2 with --parity none (the serial line spec's 8E1 / 8N2)
  --tcp [HOST:]PORT    RTU over TCP: RTU frames with CRC, no MBAP header (HOST default 127.0.0.1)

  --slave N            slave address, 1-247 (default 1; 0 broadcasts a write, no reply)
  --timeout MS         wait this long for each reply (default 1000)
  --retries N          resend after a timeout or a damaged reply (default 1)
  --register-map FILE  the device's register map (JSON, docs/modbus.md; default: the firmware's)
  --json               print the result as JSON`;

/** Flags taking a value: a negative number right after one is that flag's (bad) value, not a positional. */
const VALUE_FLAGS = new Set(["--port", "--baud", "--parity", "--stop-bits", "--tcp", "--slave", "--timeout", "--retries", "--register-map", "--table", "--address", "--count"]);
const PLACEHOLDER = "\u0000";

/**
 * util.parseArgs, with negative numbers as positionals: `write offset -12.5`
 * must not read as the unknown flag "-1". They travel as placeholders and
 * come back in their places.
 */
export function parseModbusArgs<T extends ParseArgsConfig["options"]>(command: string, argv: readonly string[], options: T) {
  const negatives: string[] = [];
  const args = argv.map((arg, i) => {
    if (!/^-(\d|\.\d)/.test(arg) || VALUE_FLAGS.has(argv[i - 1] ?? "") || argv.slice(0, i).includes("--")) return arg;
    negatives.push(arg);
    return `${PLACEHOLDER}${negatives.length - 1}`;
  });
  const parsed = parseCommandLine(command, { args, options: options as NonNullable<T>, allowPositionals: true, strict: true });
  const positionals = parsed.positionals.map((p) => (p.startsWith(PLACEHOLDER) ? negatives[Number(p.slice(1))]! : p));
  return { values: parsed.values, positionals };
}

export type TransportSettings =
  | { readonly kind: "tcp"; readonly host: string; readonly port: number }
  | { readonly kind: "serial"; readonly path: string; readonly baud: number; readonly parity: Parity; readonly stopBits: StopBits };

export interface ConnectionSettings {
  readonly transport: TransportSettings;
  readonly slave: number;
  readonly timeoutMs: number;
  readonly retries: number;
}

type ConnectionValues = { [K in keyof typeof CONNECTION_OPTIONS]?: (typeof CONNECTION_OPTIONS)[K]["type"] extends "boolean" ? boolean : string };

export function connectionSettings(command: string, values: ConnectionValues): ConnectionSettings {
  const help = `see 'fieldnode ${command} --help'`;
  const slave = integerOption(command, "--slave", values.slave, 1, 247);
  const timeoutMs = integerOption(command, "--timeout", values.timeout, 1000, 600_000);
  if (timeoutMs === 0) throw new CliError(`--timeout must be at least 1 ms; ${help}`, EXIT.usage);
  const retries = integerOption(command, "--retries", values.retries, 1, 100);
  if (values.port !== undefined && values.tcp !== undefined) throw new CliError(`give --port or --tcp, not both; ${help}`, EXIT.usage);
  if (values.tcp !== undefined) {
    const lineFlag = (["baud", "parity", "stop-bits"] as const).find((flag) => values[flag] !== undefined);
    // Over TCP the line settings are the gateway's; accepting them here would suggest they do something.
    if (lineFlag !== undefined) throw new CliError(`--${lineFlag} applies to --port only; over --tcp the gateway's serial side sets the line`, EXIT.usage);
    const endpoint = parseTcpEndpoint(values.tcp);
    if (endpoint === undefined || endpoint.port === 0) throw new CliError(`--tcp "${values.tcp}" must be PORT or HOST:PORT with a port from 1 to 65535`, EXIT.usage);
    return { transport: { kind: "tcp", ...endpoint }, slave, timeoutMs, retries };
  }
  if (values.port === undefined || values.port === "") throw new CliError(`give --port PATH (serial port or pty) or --tcp HOST:PORT (RTU over TCP); ${help}`, EXIT.usage);
  const baud = integerOption(command, "--baud", values.baud, 19200, 4_000_000);
  if (baud < 50) throw new CliError(`--baud ${baud} is not a baud rate (50 or more); ${help}`, EXIT.usage);
  const parity = values.parity ?? "even";
  if (parity !== "even" && parity !== "odd" && parity !== "none") throw new CliError(`--parity must be even, odd or none, got "${parity}"`, EXIT.usage);
  // Serial line spec §2.5.1: without parity, two stop bits keep the character at 11 bits.
  const stopText = values["stop-bits"] ?? (parity === "none" ? "2" : "1");
  if (stopText !== "1" && stopText !== "2") throw new CliError(`--stop-bits must be 1 or 2, got "${stopText}"`, EXIT.usage);
  return { transport: { kind: "serial", path: values.port, baud, parity, stopBits: Number(stopText) as StopBits }, slave, timeoutMs, retries };
}

export async function connect(settings: ConnectionSettings): Promise<RtuMaster> {
  const t = settings.transport;
  try {
    const transport =
      t.kind === "tcp"
        ? await openTcpTransport({ host: t.host, port: t.port, connectTimeoutMs: settings.timeoutMs })
        : await openSerialTransport({ path: t.path, baud: t.baud, parity: t.parity, stopBits: t.stopBits });
    return new RtuMaster(transport, { timeoutMs: settings.timeoutMs, retries: settings.retries });
  } catch (error) {
    throw failure(error);
  }
}

/** The slave answered with an exception: the request reached it and was refused. */
export class ExceptionAnswer extends Error {
  override readonly name = "ExceptionAnswer";
  constructor(
    readonly code: number,
    readonly request: ModbusRequest,
  ) {
    super(`slave ${request.slave} answered function ${hexByte(request.fc)} at address ${request.address} with ${describeException(code)}`);
  }
}

/** The CLI's error for a master or transport failure: exceptions exit 1, an unreachable or silent line 3. */
export function failure(error: unknown): unknown {
  if (error instanceof ExceptionAnswer) return new CliError(error.message, EXIT.failed);
  if (error instanceof LinkError || error instanceof TransportError) return new CliError(error.message, EXIT.io);
  return error;
}

/** Indented JSON, with arrays of numbers and booleans on one line: a block's hundred registers stay readable. */
export function formatJson(value: unknown): string {
  return `${JSON.stringify(value, null, 2).replace(/\[\n\s*([-+\w.,\s]*?)\n\s*\]/g, (_, items: string) => `[${items.split(/,\s*/).join(", ")}]`)}\n`;
}

/** The JSON for a failure, printed on stdout with --json so a script gets an object whatever happened. */
export function failureJson(error: unknown, slave: number): Record<string, unknown> | undefined {
  if (error instanceof ExceptionAnswer) {
    return { ok: false, slave, function: error.request.fc, address: error.request.address, exception: { code: error.code, name: exceptionName(error.code) }, message: error.message };
  }
  if (error instanceof LinkError) return { ok: false, slave, error: error.reason, attempts: error.attempts, message: error.message };
  if (error instanceof TransportError) return { ok: false, slave, error: "unreachable", message: error.message };
  return undefined;
}

/** Runs `body` on a connected master, closes it whatever happens, and reports failures as the CLI does. */
export async function withMaster<T>(settings: ConnectionSettings, json: boolean, io: CliIo, body: (master: RtuMaster) => Promise<T>): Promise<T> {
  let master: RtuMaster | undefined;
  try {
    master = await connect(settings);
    return await body(master);
  } catch (error) {
    const object = json ? failureJson(error, settings.slave) : undefined;
    if (object !== undefined) io.stdout(formatJson(object));
    throw failure(error);
  } finally {
    await master?.close();
  }
}

export function loadMap(path: string | undefined): LoadedMap {
  if (path === undefined) return loadRegisterMap();
  const text = readInput(path, "register map").toString("utf8");
  try {
    return loadRegisterMap(text);
  } catch (error) {
    // The simulator's --register-map refuses a bad file with exit 2 too: it is a bad argument.
    if (error instanceof RegisterMapError) throw new CliError(`--register-map ${path}: ${error.message}`, EXIT.usage);
    throw error;
  }
}

/** "holding" → holding-registers; the tables' full names work too. */
export function parseTable(command: string, text: string, allowed: readonly TableName[]): TableName {
  const aliases: Record<string, TableName> = {
    coil: "coils",
    coils: "coils",
    discrete: "discrete-inputs",
    "discrete-input": "discrete-inputs",
    "discrete-inputs": "discrete-inputs",
    input: "input-registers",
    "input-register": "input-registers",
    "input-registers": "input-registers",
    holding: "holding-registers",
    "holding-register": "holding-registers",
    "holding-registers": "holding-registers",
  };
  const table = aliases[text];
  if (table === undefined || !allowed.includes(table)) {
    const names = allowed.map((t) => TABLE_SHORT[t]).join(", ");
    throw new CliError(`--table must be ${names} (or their full names), got "${text}"; see 'fieldnode ${command} --help'`, EXIT.usage);
  }
  return table;
}

export const TABLE_SHORT: Readonly<Record<TableName, string>> = {
  coils: "coils",
  "discrete-inputs": "discrete",
  "input-registers": "input",
  "holding-registers": "holding",
};

/** "holding register 1", "input registers 0-1", "coils 0-3": how a range reads in messages. */
export function describeCells(table: TableName, address: number, count: number): string {
  const singular: Record<TableName, string> = { coils: "coil", "discrete-inputs": "discrete input", "input-registers": "input register", "holding-registers": "holding register" };
  const plural: Record<TableName, string> = { coils: "coils", "discrete-inputs": "discrete inputs", "input-registers": "input registers", "holding-registers": "holding registers" };
  return count === 1 ? `${singular[table]} ${address}` : `${plural[table]} ${address}-${address + count - 1}`;
}
