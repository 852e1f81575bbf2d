/**
 * A register map compiled for serving: the four Modbus tables as sorted
 * blocks, each block plain storage or a list of points bound to value
 * sources. Every access checks the whole requested range before touching
 * anything, so a request either succeeds or changes nothing; nothing here
 * allocates per request.
 */
import {
  ILLEGAL_DATA_ADDRESS,
  ILLEGAL_DATA_VALUE,
  OK,
  SERVER_DEVICE_FAILURE,
  STORAGE_SOURCE,
  type SourceRegistry,
  type ValueSource,
} from "./sources";
import {
  RegisterMapError,
  TABLES,
  isBitTable,
  pointWords,
  validateRegisterMap,
  type PointType,
  type RegisterMapSpec,
  type TableName,
} from "./map-schema";

const T_BOOL = 0;
const T_UINT16 = 1;
const T_INT16 = 2;
const T_UINT32 = 3;
const T_INT32 = 4;
const T_FLOAT32 = 5;

const TYPE_CODES: Readonly<Record<PointType, number>> = {
  bool: T_BOOL,
  uint16: T_UINT16,
  int16: T_INT16,
  uint32: T_UINT32,
  int32: T_INT32,
  float32: T_FLOAT32,
};

class Point {
  constructor(
    /** Absolute address of the point's first cell. */
    readonly address: number,
    readonly words: number,
    readonly type: number,
    readonly scale: number,
    readonly lowFirst: boolean,
    readonly source: ValueSource,
    readonly writable: boolean,
  ) {}
}

class Block {
  constructor(
    readonly name: string,
    readonly start: number,
    /** One past the last address. */
    readonly end: number,
    /** Storage blocks: the cells (registers as uint16, bits as 0/1). */
    readonly registers: Uint16Array | undefined,
    readonly bits: Uint8Array | undefined,
    readonly points: readonly Point[],
    /** Point index for each address of the block. */
    readonly pointAt: Uint16Array,
  ) {}
}

/** One of the four tables: its blocks, sorted, never overlapping. */
export class RegisterTable {
  readonly blocks: readonly Block[];
  constructor(readonly name: TableName, blocks: Block[]) {
    this.blocks = blocks.sort((a, b) => a.start - b.start);
  }

  /** Index of the block holding `address`, or -1. */
  find(address: number): number {
    const blocks = this.blocks;
    let lo = 0;
    let hi = blocks.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      const block = blocks[mid]!;
      if (address < block.start) hi = mid - 1;
      else if (address >= block.end) lo = mid + 1;
      else return mid;
    }
    return -1;
  }

  /** Index of the first block when [address, address + count) is mapped without a gap, else -1. */
  cover(address: number, count: number): number {
    const first = this.find(address);
    if (first < 0) return -1;
    const blocks = this.blocks;
    const end = address + count;
    let i = first;
    let reached = blocks[i]!.end;
    while (reached < end) {
      const next = blocks[++i];
      if (next === undefined || next.start !== reached) return -1;
      reached = next.end;
    }
    return first;
  }
}

export class RegisterMap {
  readonly coils: RegisterTable;
  readonly discreteInputs: RegisterTable;
  readonly inputRegisters: RegisterTable;
  readonly holdingRegisters: RegisterTable;
  readonly spec: RegisterMapSpec;
  /** Encoder output: the point's first and second register. */
  private w0 = 0;
  private w1 = 0;
  private readonly scratch = new DataView(new ArrayBuffer(4));

  constructor(spec: RegisterMapSpec, tables: Record<TableName, RegisterTable>) {
    this.spec = spec;
    this.coils = tables.coils;
    this.discreteInputs = tables["discrete-inputs"];
    this.inputRegisters = tables["input-registers"];
    this.holdingRegisters = tables["holding-registers"];
  }

  /**
   * Reads `count` registers from `address` into out[at...] (big-endian), or
   * returns the exception: 02 when any address is unmapped, 04 when a value is
   * invalid or does not fit its type.
   */
  readRegisters(table: RegisterTable, address: number, count: number, out: Uint8Array, at: number): number {
    let index = table.cover(address, count);
    if (index < 0) return ILLEGAL_DATA_ADDRESS;
    const blocks = table.blocks;
    const end = address + count;
    let a = address;
    let o = at;
    while (a < end) {
      const block = blocks[index++]!;
      const stop = end < block.end ? end : block.end;
      const storage = block.registers;
      if (storage !== undefined) {
        for (let i = a - block.start, n = stop - block.start; i < n; i++) {
          const v = storage[i]!;
          out[o++] = v >>> 8;
          out[o++] = v & 0xff;
        }
        a = stop;
        continue;
      }
      while (a < stop) {
        const point = block.points[block.pointAt[a - block.start]!]!;
        const code = this.encode(point);
        if (code !== OK) return code;
        for (let k = a - point.address; k < point.words && a < stop; k++, a++) {
          const w = k === 0 ? this.w0 : this.w1;
          out[o++] = w >>> 8;
          out[o++] = w & 0xff;
        }
      }
    }
    return OK;
  }

  /**
   * Writes `count` registers from data[at...] (big-endian) to the holding
   * registers at `address`, all or nothing. 02: unmapped, read-only, or a
   * 32-bit value only partly covered; 03: a value its source refuses; 06: the
   * source is busy.
   */
  writeRegisters(address: number, count: number, data: Uint8Array, at: number): number {
    const table = this.holdingRegisters;
    const first = table.cover(address, count);
    if (first < 0) return ILLEGAL_DATA_ADDRESS;
    const block = table.blocks[first]!;
    const storage = block.registers;
    if (storage !== undefined && address + count <= block.end) {
      // Plain storage, one block: nothing to check.
      for (let i = address - block.start, n = i + count, d = at; i < n; i++, d += 2) storage[i] = (data[d]! << 8) | data[d + 1]!;
      return OK;
    }
    for (let phase = 0; phase < 3; phase++) {
      const code = this.walkWrite(table, first, address, count, data, at, phase);
      if (code !== OK) return code;
    }
    return OK;
  }

  /** Phase 0: structure (alignment, writability); 1: values accepted; 2: apply. */
  private walkWrite(table: RegisterTable, index: number, address: number, count: number, data: Uint8Array, at: number, phase: number): number {
    const blocks = table.blocks;
    const end = address + count;
    let a = address;
    while (a < end) {
      const block = blocks[index++]!;
      const stop = end < block.end ? end : block.end;
      const storage = block.registers;
      if (storage !== undefined) {
        if (phase === 2) {
          for (let i = a - block.start, n = stop - block.start, d = at + 2 * (a - address); i < n; i++, d += 2) {
            storage[i] = (data[d]! << 8) | data[d + 1]!;
          }
        }
        a = stop;
        continue;
      }
      while (a < stop) {
        const point = block.points[block.pointAt[a - block.start]!]!;
        if (phase === 0) {
          if (a !== point.address || point.address + point.words > end || !point.writable) return ILLEGAL_DATA_ADDRESS;
        } else {
          const value = this.decode(point, data, at + 2 * (a - address));
          const source = point.source;
          if (phase === 1) {
            if (!Number.isFinite(value)) return ILLEGAL_DATA_VALUE;
            const code = source.check === undefined ? OK : source.check(value);
            if (code !== OK) return code;
          } else {
            const code = source.write!(value);
            if (code !== OK) return code;
          }
        }
        a += point.words;
      }
    }
    return OK;
  }

  /** FC 16: current AND and_mask OR (or_mask AND NOT and_mask), on one 16-bit holding register. */
  maskWriteRegister(address: number, andMask: number, orMask: number): number {
    const table = this.holdingRegisters;
    const index = table.find(address);
    if (index < 0) return ILLEGAL_DATA_ADDRESS;
    const block = table.blocks[index]!;
    if (block.registers !== undefined) {
      const current = block.registers[address - block.start]!;
      block.registers[address - block.start] = ((current & andMask) | (orMask & ~andMask)) & 0xffff;
      return OK;
    }
    const point = block.points[block.pointAt[address - block.start]!]!;
    if (point.words !== 1 || !point.writable) return ILLEGAL_DATA_ADDRESS;
    const code = this.encode(point);
    if (code !== OK) return code;
    const next = ((this.w0 & andMask) | (orMask & ~andMask)) & 0xffff;
    const bytes = this.maskBytes;
    bytes[0] = next >>> 8;
    bytes[1] = next & 0xff;
    const value = this.decode(point, bytes, 0);
    const source = point.source;
    const checked = source.check === undefined ? OK : source.check(value);
    return checked !== OK ? checked : source.write!(value);
  }

  private readonly maskBytes = new Uint8Array(2);

  /**
   * Reads `count` bits from `address` into out[at...], packed LSB first and
   * padded with zeros (out is cleared here). 02 unmapped; 04 invalid value.
   */
  readBits(table: RegisterTable, address: number, count: number, out: Uint8Array, at: number): number {
    let index = table.cover(address, count);
    if (index < 0) return ILLEGAL_DATA_ADDRESS;
    out.fill(0, at, at + ((count + 7) >>> 3));
    const blocks = table.blocks;
    const end = address + count;
    let a = address;
    let bit = 0;
    while (a < end) {
      const block = blocks[index++]!;
      const stop = end < block.end ? end : block.end;
      const storage = block.bits;
      for (; a < stop; a++, bit++) {
        let set: boolean;
        if (storage !== undefined) set = storage[a - block.start] !== 0;
        else {
          const value = block.points[block.pointAt[a - block.start]!]!.source.read();
          if (value === undefined || Number.isNaN(value)) return SERVER_DEVICE_FAILURE;
          set = value !== 0;
        }
        if (set) out[at + (bit >>> 3)] |= 1 << (bit & 7);
      }
    }
    return OK;
  }

  /** Writes `count` coils from the packed bits at data[at...], all or nothing. */
  writeCoils(address: number, count: number, data: Uint8Array, at: number): number {
    const table = this.coils;
    const first = table.cover(address, count);
    if (first < 0) return ILLEGAL_DATA_ADDRESS;
    const blocks = table.blocks;
    const end = address + count;
    for (let phase = 0; phase < 3; phase++) {
      let index = first;
      let a = address;
      while (a < end) {
        const block = blocks[index++]!;
        const stop = end < block.end ? end : block.end;
        const storage = block.bits;
        for (; a < stop; a++) {
          const bit = a - address;
          const value = (data[at + (bit >>> 3)]! >>> (bit & 7)) & 1;
          if (storage !== undefined) {
            if (phase === 2) storage[a - block.start] = value;
            continue;
          }
          const point = block.points[block.pointAt[a - block.start]!]!;
          const source = point.source;
          if (phase === 0) {
            if (!point.writable) return ILLEGAL_DATA_ADDRESS;
          } else if (phase === 1) {
            const code = source.check === undefined ? OK : source.check(value);
            if (code !== OK) return code;
          } else {
            const code = source.write!(value);
            if (code !== OK) return code;
          }
        }
      }
    }
    return OK;
  }

  /** Encodes a point's current value into w0 (and w1); OK or 04. */
  private encode(point: Point): number {
    const value = point.source.read();
    if (value === undefined || !Number.isFinite(value)) return SERVER_DEVICE_FAILURE;
    const type = point.type;
    if (type === T_FLOAT32) {
      const view = this.scratch;
      view.setFloat32(0, value * point.scale);
      const hi = view.getUint16(0);
      const lo = view.getUint16(2);
      this.w0 = point.lowFirst ? lo : hi;
      this.w1 = point.lowFirst ? hi : lo;
      return OK;
    }
    const raw = Math.round(value * point.scale);
    switch (type) {
      case T_UINT16:
        if (raw < 0 || raw > 0xffff) return SERVER_DEVICE_FAILURE;
        this.w0 = raw;
        return OK;
      case T_INT16:
        if (raw < -0x8000 || raw > 0x7fff) return SERVER_DEVICE_FAILURE;
        this.w0 = raw & 0xffff;
        return OK;
      case T_UINT32:
      case T_INT32: {
        if (type === T_UINT32 ? raw < 0 || raw > 0xffffffff : raw < -0x80000000 || raw > 0x7fffffff) return SERVER_DEVICE_FAILURE;
        const u = raw >>> 0;
        const hi = u >>> 16;
        const lo = u & 0xffff;
        this.w0 = point.lowFirst ? lo : hi;
        this.w1 = point.lowFirst ? hi : lo;
        return OK;
      }
      default:
        return SERVER_DEVICE_FAILURE;
    }
  }

  /** The value a write of data[at...] means for the point, in engineering units. */
  private decode(point: Point, data: Uint8Array, at: number): number {
    const r0 = (data[at]! << 8) | data[at + 1]!;
    switch (point.type) {
      case T_UINT16:
        return r0 / point.scale;
      case T_INT16:
        return ((r0 << 16) >> 16) / point.scale;
    }
    const r1 = (data[at + 2]! << 8) | data[at + 3]!;
    const hi = point.lowFirst ? r1 : r0;
    const lo = point.lowFirst ? r0 : r1;
    switch (point.type) {
      case T_UINT32:
        return (hi * 0x10000 + lo) / point.scale;
      case T_INT32:
        return ((hi << 16) | lo) / point.scale;
      default: {
        const view = this.scratch;
        view.setUint16(0, hi);
        view.setUint16(2, lo);
        return view.getFloat32(0) / point.scale;
      }
    }
  }
}

/**
 * Builds a map from its document and the sources it names. Errors name the
 * block and point, as validateRegisterMap's do.
 */
export function compileRegisterMap(document: RegisterMapSpec | unknown, sources: SourceRegistry): RegisterMap {
  const spec = validateRegisterMap(document);
  const byTable: Record<TableName, Block[]> = { coils: [], "discrete-inputs": [], "input-registers": [], "holding-registers": [] };
  const origin = new Map<Block, number>();
  spec.blocks.forEach((blockSpec, i) => {
    const where = `blocks[${i}] ("${blockSpec.name}")`;
    const { table, address } = blockSpec;
    const bitTable = isBitTable(table);
    const writableTable = table === "coils" || table === "holding-registers";
    let block: Block;
    if (blockSpec.source === STORAGE_SOURCE) {
      const count = blockSpec.count!;
      block = new Block(
        blockSpec.name,
        address,
        address + count,
        bitTable ? undefined : new Uint16Array(count),
        bitTable ? new Uint8Array(count) : undefined,
        [],
        new Uint16Array(0),
      );
    } else {
      const provider = Object.prototype.hasOwnProperty.call(sources, blockSpec.source) ? sources[blockSpec.source] : undefined;
      if (provider === undefined) {
        const known = [STORAGE_SOURCE, ...Object.keys(sources)].join(", ");
        throw new RegisterMapError(`register map: ${where}.source: "${blockSpec.source}" is not a source of this firmware (known: ${known})`);
      }
      const points: Point[] = [];
      const offsets: number[] = [];
      let offset = 0;
      blockSpec.points!.forEach((pointSpec, j) => {
        const source = Object.prototype.hasOwnProperty.call(provider.points, pointSpec.point) ? provider.points[pointSpec.point] : undefined;
        if (source === undefined) {
          throw new RegisterMapError(
            `register map: ${where}.points[${j}].point: source "${blockSpec.source}" has no value "${pointSpec.point}" (it has: ${Object.keys(provider.points).join(", ")})`,
          );
        }
        const type = pointSpec.type ?? (bitTable ? "bool" : "uint16");
        const words = type === "bool" ? 1 : pointWords(type);
        const writable = writableTable && typeof source.write === "function";
        points.push(new Point(address + offset, words, TYPE_CODES[type], pointSpec.scale ?? 1, pointSpec.wordOrder === "low-first", source, writable));
        for (let k = 0; k < words; k++) offsets.push(j);
        offset += words;
      });
      block = new Block(blockSpec.name, address, address + offset, undefined, undefined, points, Uint16Array.from(offsets));
    }
    const list = byTable[table];
    for (const other of list) {
      if (block.start < other.end && other.start < block.end) {
        const shared = Math.max(block.start, other.start);
        throw new RegisterMapError(
          `register map: ${where} overlaps blocks[${origin.get(other)}] ("${other.name}"): ${table} address ${shared} is in both`,
        );
      }
    }
    origin.set(block, i);
    list.push(block);
  });
  const tables = Object.fromEntries(TABLES.map((name) => [name, new RegisterTable(name, byTable[name])])) as Record<TableName, RegisterTable>;
  return new RegisterMap(spec, tables);
}
