/**
 * The register map as data: the JSON document a map file holds, and its
 * validation. Every error names the offending entry by its path
 * (`blocks[2].points[1].type`), so a map file can be fixed from the message
 * alone. Shared by the firmware, the simulator (`--register-map FILE`) and
 * the technician tools.
 */
export type TableName = "coils" | "discrete-inputs" | "input-registers" | "holding-registers";
export type PointType = "bool" | "int16" | "uint16" | "int32" | "uint32" | "float32";
export type WordOrder = "high-first" | "low-first";

export interface PointSpec {
  /** The value's name within the block's source, e.g. "uptime". */
  point: string;
  /** Default: "uint16" in register tables, "bool" in bit tables. */
  type?: PointType;
  /** Register value = round(value × scale); a write stores register ÷ scale. Default 1. */
  scale?: number;
  /** For 32-bit types: which 16-bit half comes first. Default "high-first" (Modbus big-endian). */
  wordOrder?: WordOrder;
  /** For the documentation table. */
  label?: string;
  unit?: string;
}

export interface BlockSpec {
  name: string;
  table: TableName;
  /** First address, 0-based, as on the wire (mbpoll's -r is 1-based unless -0). */
  address: number;
  /** A registered source ("device", "config", ...) or "storage" for plain read/write cells. */
  source: string;
  /** The source's values, placed one after another from `address`. Not for "storage". */
  points?: PointSpec[];
  /** Number of cells of a "storage" block. */
  count?: number;
  label?: string;
}

export interface RegisterMapSpec {
  description?: string;
  blocks: BlockSpec[];
}

export const TABLES: readonly TableName[] = ["coils", "discrete-inputs", "input-registers", "holding-registers"];
export const REGISTER_TYPES: readonly PointType[] = ["int16", "uint16", "int32", "uint32", "float32"];
export const WORD_ORDERS: readonly WordOrder[] = ["high-first", "low-first"];

export class RegisterMapError extends Error {
  override readonly name = "RegisterMapError";
}

export function isBitTable(table: TableName): boolean {
  return table === "coils" || table === "discrete-inputs";
}

export function pointWords(type: PointType): number {
  return type === "int32" || type === "uint32" || type === "float32" ? 2 : 1;
}

/** Parses a map file's text; syntax errors say where. */
export function parseRegisterMapJson(text: string): RegisterMapSpec {
  let document: unknown;
  try {
    document = JSON.parse(text);
  } catch (error) {
    throw new RegisterMapError(`register map is not valid JSON: ${error instanceof Error ? error.message : String(error)}`);
  }
  return validateRegisterMap(document);
}

const MAP_KEYS = ["$schema", "description", "blocks"];
const BLOCK_KEYS = ["name", "table", "address", "source", "points", "count", "label"];
const POINT_KEYS = ["point", "type", "scale", "wordOrder", "label", "unit"];

/** Checks the shape of a map document; returns it typed, with nothing added or removed. */
export function validateRegisterMap(document: unknown): RegisterMapSpec {
  const fail = (path: string, message: string): never => {
    throw new RegisterMapError(`register map: ${path}: ${message}`);
  };
  if (!isObject(document)) return fail("(top level)", "must be an object with a \"blocks\" array");
  unknownKeys(document, MAP_KEYS, "(top level)", fail);
  if (document.description !== undefined && typeof document.description !== "string") fail("description", "must be a string");
  const blocks = document.blocks;
  if (!Array.isArray(blocks)) return fail("blocks", "must be an array of blocks");
  const names = new Map<string, number>();
  blocks.forEach((block: unknown, i: number) => {
    const at = `blocks[${i}]`;
    if (!isObject(block)) return fail(at, "must be an object");
    unknownKeys(block, BLOCK_KEYS, at, fail);
    if (typeof block.name !== "string" || block.name.length === 0) fail(`${at}.name`, "must be a non-empty string");
    const name = block.name as string;
    const where = `${at} ("${name}")`;
    if (names.has(name)) fail(`${where}.name`, `is already the name of blocks[${names.get(name)}]`);
    names.set(name, i);
    if (!TABLES.includes(block.table as TableName)) fail(`${where}.table`, `${show(block.table)} is not one of ${TABLES.join(", ")}`);
    const table = block.table as TableName;
    if (!isInteger(block.address) || block.address < 0 || block.address > 0xffff) fail(`${where}.address`, `${show(block.address)} is not an address (0-65535)`);
    if (typeof block.source !== "string" || block.source.length === 0) fail(`${where}.source`, "must name a source");
    if (block.label !== undefined && typeof block.label !== "string") fail(`${where}.label`, "must be a string");
    let size: number;
    if (block.source === "storage") {
      if (block.points !== undefined) fail(`${where}.points`, "a storage block has no points; give its size as \"count\"");
      if (!isInteger(block.count) || block.count < 1 || block.count > 0x10000) fail(`${where}.count`, `${show(block.count)} is not a cell count (1-65536)`);
      size = block.count as number;
    } else {
      if (block.count !== undefined) fail(`${where}.count`, "only storage blocks have a count; list the source's values as \"points\"");
      if (!Array.isArray(block.points) || block.points.length === 0) return fail(`${where}.points`, "must be a non-empty array of points");
      size = 0;
      block.points.forEach((point: unknown, j: number) => {
        const pat = `${where}.points[${j}]`;
        if (!isObject(point)) return fail(pat, "must be an object");
        unknownKeys(point, POINT_KEYS, pat, fail);
        if (typeof point.point !== "string" || point.point.length === 0) fail(`${pat}.point`, "must name one of the source's values");
        const type = point.type ?? (isBitTable(table) ? "bool" : "uint16");
        if (isBitTable(table)) {
          if (type !== "bool") fail(`${pat}.type`, `${show(point.type)} cannot be placed in ${table}, which hold single bits ("bool")`);
        } else if (!REGISTER_TYPES.includes(type as PointType)) {
          fail(`${pat}.type`, `${show(point.type)} is not one of ${REGISTER_TYPES.join(", ")}`);
        }
        if (point.scale !== undefined && (typeof point.scale !== "number" || !Number.isFinite(point.scale) || point.scale === 0)) {
          fail(`${pat}.scale`, `${show(point.scale)} is not a non-zero number`);
        }
        if (point.scale !== undefined && type === "bool") fail(`${pat}.scale`, "a bool point has no scale");
        if (point.wordOrder !== undefined) {
          if (!WORD_ORDERS.includes(point.wordOrder as WordOrder)) fail(`${pat}.wordOrder`, `${show(point.wordOrder)} is not one of ${WORD_ORDERS.join(", ")}`);
          if (type === "bool" || pointWords(type as PointType) !== 2) fail(`${pat}.wordOrder`, `only 32-bit types have a word order, not ${String(type)}`);
        }
        if (point.label !== undefined && typeof point.label !== "string") fail(`${pat}.label`, "must be a string");
        if (point.unit !== undefined && typeof point.unit !== "string") fail(`${pat}.unit`, "must be a string");
        size += type === "bool" ? 1 : pointWords(type as PointType);
      });
    }
    const last = (block.address as number) + size - 1;
    if (last > 0xffff) fail(where, `${size} cells from address ${String(block.address)} run past 65535 (to ${last})`);
  });
  return document as unknown as RegisterMapSpec;
}

function unknownKeys(object: Record<string, unknown>, known: readonly string[], at: string, fail: (path: string, message: string) => never): void {
  for (const key of Object.keys(object)) {
    if (!known.includes(key)) fail(at === "(top level)" ? key : `${at}.${key}`, `unknown field (expected one of ${known.join(", ")})`);
  }
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function isInteger(value: unknown): value is number {
  return typeof value === "number" && Number.isInteger(value);
}

function show(value: unknown): string {
  return value === undefined ? "missing" : JSON.stringify(value);
}
