/**
 * Language features the firmware relies on, exercised where engines are most
 * likely to disagree: conversions at the edges of each integer width, shared
 * memory between typed-array views, and the 32-bit arithmetic CRCs and Modbus
 * framing are written in. Values only; error messages are never compared.
 */
import { toHex, u32Hex } from "./support/hex";
import { thrownKind } from "./support/thrown";

/** Finite numbers as-is; NaN and ±Infinity as strings, since results are JSON. */
function num(value: number): number | string {
  return Number.isFinite(value) ? value : String(value);
}

class Counter {
  static #instances = 0;
  static #created: string[] = [];
  #count = 0;
  readonly #step: number;

  static {
    Counter.#created.push("static block ran");
  }

  constructor(step: number) {
    this.#step = step;
    Counter.#instances++;
  }

  increment(): number {
    this.#count += this.#step;
    return this.#count;
  }

  get #double(): number {
    return this.#count * 2;
  }

  #reset(): void {
    this.#count = 0;
  }

  snapshot(): { count: number; double: number } {
    return { count: this.#count, double: this.#double };
  }

  resetAndRead(): number {
    this.#reset();
    return this.#count;
  }

  static isCounter(value: unknown): boolean {
    return typeof value === "object" && value !== null && #count in value;
  }

  static stats(): { instances: number; created: string[] } {
    return { instances: Counter.#instances, created: [...Counter.#created] };
  }
}

interface Width {
  name: string;
  size: number;
  get(view: DataView, offset: number, littleEndian: boolean): number;
  set(view: DataView, offset: number, value: number, littleEndian: boolean): void;
  /** Including out-of-range and fractional values, to pin down the conversions. */
  values: number[];
}

const WIDTHS: Width[] = [
  {
    name: "Int8",
    size: 1,
    get: (v, o) => v.getInt8(o),
    set: (v, o, x) => v.setInt8(o, x),
    values: [0, 1, -1, 127, -128, 128, 255, 256, -129, 1.9, -1.9],
  },
  {
    name: "Uint8",
    size: 1,
    get: (v, o) => v.getUint8(o),
    set: (v, o, x) => v.setUint8(o, x),
    values: [0, 1, -1, 127, 128, 255, 256, 300, 1.9],
  },
  {
    name: "Int16",
    size: 2,
    get: (v, o, le) => v.getInt16(o, le),
    set: (v, o, x, le) => v.setInt16(o, x, le),
    values: [0, 1, -1, 0x1234, 32767, -32768, 32768, 65535, 70000, -1.5],
  },
  {
    name: "Uint16",
    size: 2,
    get: (v, o, le) => v.getUint16(o, le),
    set: (v, o, x, le) => v.setUint16(o, x, le),
    values: [0, 1, -1, 0x1234, 0xabcd, 65535, 65536, 70000, 2.5],
  },
  {
    name: "Int32",
    size: 4,
    get: (v, o, le) => v.getInt32(o, le),
    set: (v, o, x, le) => v.setInt32(o, x, le),
    values: [0, -1, 0x12345678, 0x7fffffff, -0x80000000, 0x80000000, 0xffffffff, 2 ** 32 + 7, -3.7],
  },
  {
    name: "Uint32",
    size: 4,
    get: (v, o, le) => v.getUint32(o, le),
    set: (v, o, x, le) => v.setUint32(o, x, le),
    values: [0, -1, 0x12345678, 0xdeadbeef, 0xffffffff, 2 ** 32, 2 ** 32 + 7, 2 ** 53 - 1, 4.2],
  },
  {
    name: "Float32",
    size: 4,
    get: (v, o, le) => v.getFloat32(o, le),
    set: (v, o, x, le) => v.setFloat32(o, x, le),
    values: [0, -0, 1, -2.5, 0.1, 1 / 3, 3.4028234663852886e38, 1e39, -1e39, 1e-45, 1.17549435e-38, 16777217],
  },
  {
    name: "Float64",
    size: 8,
    get: (v, o, le) => v.getFloat64(o, le),
    set: (v, o, x, le) => v.setFloat64(o, x, le),
    values: [0, -0, 1, -2.5, 0.1, 1 / 3, Number.MAX_VALUE, Number.MIN_VALUE, Infinity, -Infinity, 2 ** 53 + 1],
  },
];

const ENDIANS = [
  { name: "LE", littleEndian: true },
  { name: "BE", littleEndian: false },
];

/** A byte pattern with high bits set, so sign extension shows up. */
function pattern(length: number): Uint8Array {
  const bytes = new Uint8Array(length);
  for (let i = 0; i < length; i++) bytes[i] = (i * 37 + 0x85) & 0xff;
  return bytes;
}

/** (hi, lo) 32-bit words: the firmware's 64-bit values, since it does not use BigInt. */
function mul32(a: number, b: number): [number, number] {
  const a0 = a & 0xffff;
  const a1 = a >>> 16;
  const b0 = b & 0xffff;
  const b1 = b >>> 16;
  const low = a0 * b0;
  const mid1 = a1 * b0;
  const mid2 = a0 * b1;
  // Every partial product is below 2^32 and every sum below 2^53: exact in a double.
  const mid = mid1 + mid2 + (low >>> 16);
  const lo = ((mid & 0xffff) * 0x10000 + (low & 0xffff)) >>> 0;
  const hi = (a1 * b1 + Math.floor(mid / 0x10000)) >>> 0;
  return [hi, lo];
}

function add64(a: [number, number], b: [number, number]): { sum: [number, number]; carry: number } {
  const lo = a[1] + b[1];
  const hi = a[0] + b[0] + (lo > 0xffffffff ? 1 : 0);
  return { sum: [hi >>> 0, lo >>> 0], carry: hi > 0xffffffff ? 1 : 0 };
}

const hex64 = ([hi, lo]: [number, number]): string => u32Hex(hi) + u32Hex(lo);

function fnv1a(text: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) hash = Math.imul(hash ^ text.charCodeAt(i), 16777619) >>> 0;
  return hash;
}

export const scenarios = {
  privateFields() {
    const counter = new Counter(3);
    counter.increment();
    const afterTwo = counter.increment();
    const snapshot = counter.snapshot();
    new Counter(1);
    return {
      afterTwo,
      snapshot,
      afterReset: counter.resetAndRead(),
      brandChecks: [Counter.isCounter(counter), Counter.isCounter({}), Counter.isCounter(Object.create(counter))],
      stats: Counter.stats(),
      // Private state is invisible to reflection and serialization.
      ownKeys: Reflect.ownKeys(counter).map(String),
      json: JSON.stringify(counter),
      foreignReceiver: thrownKind(() => Counter.prototype.increment.call({})),
    };
  },

  dataViewRoundTrips() {
    const out: Record<string, Array<{ value: number | string; bytes: string; read: number | string }>> = {};
    for (const width of WIDTHS) {
      for (const endian of ENDIANS) {
        out[`${width.name}${endian.name}`] = width.values.map((value) => {
          const buffer = new ArrayBuffer(width.size + 3);
          const view = new DataView(buffer);
          // Offset 1: unaligned on purpose, the device's frames rarely are.
          width.set(view, 1, value, endian.littleEndian);
          const read = width.get(view, 1, endian.littleEndian);
          return { value: num(value), bytes: toHex(new Uint8Array(buffer)), read: num(read) };
        });
      }
    }
    return out;
  },

  dataViewReadsEveryOffset() {
    const bytes = pattern(16);
    const view = new DataView(bytes.buffer);
    const out: Record<string, Array<number | string>> = {};
    for (const width of WIDTHS) {
      for (const endian of ENDIANS) {
        const reads: Array<number | string> = [];
        for (let offset = 0; offset + width.size <= bytes.length; offset++) {
          reads.push(num(width.get(view, offset, endian.littleEndian)));
        }
        out[`${width.name}${endian.name}`] = reads;
      }
    }
    return { pattern: toHex(bytes), reads: out };
  },

  dataViewBoundsAndViews() {
    const bytes = pattern(12);
    const sub = bytes.subarray(4, 10);
    const view = new DataView(sub.buffer, sub.byteOffset, sub.byteLength);
    const narrowed = new DataView(bytes.buffer, 2, 4);
    view.setUint16(0, 0xbeef); // no endianness argument: big-endian
    return {
      viewGeometry: [view.byteOffset, view.byteLength, narrowed.byteOffset, narrowed.byteLength],
      defaultIsBigEndian: view.getUint16(0) === 0xbeef && bytes[4] === 0xbe && bytes[5] === 0xef,
      readThroughSubarray: view.getUint32(2, true),
      afterWrite: toHex(bytes),
      lastByte: view.getUint8(5),
      readPastEnd: thrownKind(() => view.getUint32(3)),
      writePastEnd: thrownKind(() => view.setInt8(6, 1)),
      negativeOffset: thrownKind(() => view.getUint8(-1)),
      narrowedPastEnd: thrownKind(() => narrowed.getUint16(3)),
      viewPastBuffer: thrownKind(() => new DataView(bytes.buffer, 10, 4)),
      nanReadsBackAsNaN: (() => {
        const f = new DataView(new ArrayBuffer(8));
        f.setFloat32(0, NaN);
        f.setFloat64(0, NaN, true);
        // NaN bit patterns are implementation-defined, so only the value is compared.
        return [Number.isNaN(f.getFloat64(0, true)), Number.isNaN(new DataView(new ArrayBuffer(4)).getFloat32(0))];
      })(),
    };
  },

  uint8ArrayViews() {
    const converted = Uint8Array.from([0, 255, 256, -1, 1.9, 300, -255, 511.99]);
    const base = pattern(16);
    const sub = base.subarray(2, 6);
    sub[0] = 0x11; // shared memory: visible in base
    base[3] = 0x22; // and the other way round
    const nested = sub.subarray(1, 3);
    const copy = base.slice(2, 6);
    copy[0] = 0xff; // slice copies: base unchanged
    return {
      converted: toHex(converted),
      sub: toHex(sub),
      base: toHex(base),
      copy: toHex(copy),
      geometry: [sub.byteOffset, sub.length, nested.byteOffset, nested.length, nested.buffer === base.buffer],
      negative: toHex(base.subarray(-3)),
      negativeBoth: toHex(base.subarray(-6, -2)),
      reversedRange: base.subarray(5, 2).length,
      clamped: base.subarray(10, 100).length,
      at: [base.at(-1) ?? "none", sub.at(-4) ?? "none", sub.at(4) ?? "none"],
      lastIndexOf: base.lastIndexOf(0x22),
    };
  },

  uint8ArraySetFill() {
    const a = new Uint8Array(12);
    a.set([1, 2, 3, 258], 2);
    const afterSet = toHex(a);
    // Overlapping source and target in one buffer must behave like memmove.
    a.set(a.subarray(2, 6), 4);
    const afterOverlapForward = toHex(a);
    a.set(a.subarray(4, 10), 1);
    const afterOverlapBackward = toHex(a);
    const b = new Uint8Array(10);
    b.fill(7);
    const allSeven = toHex(b);
    b.fill(9, 2, 5);
    b.fill(1, -3);
    b.fill(300, 5, 6);
    b.fill(0xaa, 8, 2); // empty range: no change
    const c = pattern(10);
    c.copyWithin(0, 6);
    return {
      afterSet,
      afterOverlapForward,
      afterOverlapBackward,
      allSeven,
      filled: toHex(b),
      copyWithin: toHex(c),
      setPastEnd: thrownKind(() => a.set([1, 2], 11)),
      setNegativeOffset: thrownKind(() => a.set([1], -1)),
      sortedNumerically: toHex(Uint8Array.of(200, 3, 100, 20, 1).sort()),
      fromTyped: toHex(new Uint8Array(new Uint16Array([0x1234, 0xff01]))),
    };
  },

  mathImul() {
    const pairs: Array<[number, number]> = [
      [3, 4],
      [-5, 12],
      [0xffffffff, 5],
      [0x7fffffff, 0x7fffffff],
      [0x80000000, 2],
      [0x12345678, 0x9abcdef0],
      [2 ** 32 + 3, 7],
      [1.9, 3.9],
      [-1, -1],
      [0xdeadbeef, 0x01000193],
    ];
    let x = 2463534242;
    const xorshift: number[] = [];
    for (let i = 0; i < 8; i++) {
      x ^= x << 13;
      x ^= x >>> 17;
      x ^= x << 5;
      xorshift.push(x >>> 0);
    }
    return {
      products: pairs.map(([a, b]) => Math.imul(a, b)),
      fnv1a: ["", "hello", "fieldnode"].map((text) => u32Hex(fnv1a(text))),
      // Known FNV-1a values: the engines could agree and both be wrong.
      fnv1aKnown: u32Hex(fnv1a("hello")) === "4f9f2cab" && u32Hex(fnv1a("fieldnode")) === "91c073e7",
      xorshift,
    };
  },

  unsignedShifts() {
    const values = [0, 1, -1, 2 ** 31, -(2 ** 31), 2 ** 32, 2 ** 32 + 5, -(2 ** 32) - 5, 1.5, -1.5, 2 ** 53, 0xdeadbeef];
    const bytes = [0xde, 0xad, 0xbe, 0xef];
    const packed = ((bytes[0]! << 24) | (bytes[1]! << 16) | (bytes[2]! << 8) | bytes[3]!) >>> 0;
    return {
      conversions: values.map((v) => [v >>> 0, v | 0, v >> 0, (v << 1) >>> 0, ~v >>> 0, (v >>> 24) & 0xff]),
      signedPack: (bytes[0]! << 24) | (bytes[1]! << 16) | (bytes[2]! << 8) | bytes[3]!,
      packed,
      unpacked: [packed >>> 24, (packed >>> 16) & 0xff, (packed >>> 8) & 0xff, packed & 0xff],
      // Shift counts are taken mod 32.
      shiftCounts: [1 << 31, 1 << 32, 1 << 33, 0x80000000 >>> 31, 0x80000000 >>> 32, -1 >>> 28, -1 >>> -1, 5 >> 33],
      xorStaysSigned: (0xffff0000 ^ 0x0000ffff) < 0,
      xorUnsigned: (0xffff0000 ^ 0x0000ffff) >>> 0,
    };
  },

  sixtyFourBitWithoutBigInt() {
    const products = (
      [
        [0xffffffff, 0xffffffff],
        [0x12345678, 0x9abcdef0],
        [0xdeadbeef, 0x10001],
        [0x10000, 0x10000],
      ] as Array<[number, number]>
    ).map(([a, b]) => hex64(mul32(a, b)));
    const wrap = add64([0xffffffff, 0xffffffff], [0, 1]);
    const carryIntoHigh = add64([0x1, 0xffffffff], [0, 1]);
    const wrapMixed = add64([0x89abcdef, 0xfedcba98], [0x76543210, 0x01234568]);
    // Uptime in ms fits 2^53 for 285,000 years; split into u32 words for the wire.
    const uptime = 2 ** 48 + 0x1234_5678;
    const words = [Math.floor(uptime / 2 ** 32), uptime >>> 0];
    const view = new DataView(new ArrayBuffer(8));
    view.setUint32(0, words[0]!);
    view.setUint32(4, words[1]!);
    const rejoined = view.getUint32(0) * 2 ** 32 + view.getUint32(4);
    return {
      products,
      // Checked against BigInt arithmetic when this scenario was written.
      productsKnown:
        products.join(",") ===
        "fffffffe00000001,0b00ea4e242d2080,0000deae9d9cbeef,0000000100000000",
      adds: [wrap, carryIntoHigh, wrapMixed].map((r) => [hex64(r.sum), r.carry]),
      uptimeWords: words,
      uptimeBytes: toHex(new Uint8Array(view.buffer)),
      rejoinedExactly: rejoined === uptime,
      safeIntegerEdge: [Number.MAX_SAFE_INTEGER, Number.isSafeInteger(2 ** 53), 2 ** 53 + 1 === 2 ** 53],
    };
  },

  arrayAt() {
    const list = [10, 20, 30];
    const atOrNone = (value: number | string | undefined) => value ?? "none";
    return {
      array: [0, 1, -1, -3, 3, -4, 1.7, -0.5].map((i) => atOrNone(list.at(i))),
      empty: atOrNone(([] as number[]).at(0)),
      string: ["fieldnode".at(0), "fieldnode".at(-1), "fieldnode".at(9) ?? "none"],
      typed: [Uint16Array.of(1, 2, 65535).at(-1), Int8Array.of(-5).at(0)],
      findLast: [list.findLast((v) => v < 25), list.findLastIndex((v) => v > 100)],
    };
  },

  objectHasOwn() {
    const symbol = Symbol("key");
    const parent = { inherited: 1 };
    const child: Record<PropertyKey, unknown> = Object.create(parent);
    child.own = undefined;
    child[symbol] = true;
    const bare: Record<string, unknown> = Object.create(null);
    bare.key = 0;
    return {
      child: [
        Object.hasOwn(child, "own"),
        Object.hasOwn(child, "inherited"),
        Object.hasOwn(child, symbol),
        Object.hasOwn(child, "toString"),
      ],
      nullPrototype: [Object.hasOwn(bare, "key"), Object.hasOwn(bare, "hasOwnProperty")],
      array: [Object.hasOwn([5], 0), Object.hasOwn([5], "0"), Object.hasOwn([5], "length"), Object.hasOwn([5], 1)],
      // A primitive receiver is boxed, not refused.
      primitiveReceiver: Object.hasOwn("ab" as unknown as object, 1),
      nullReceiver: thrownKind(() => Object.hasOwn(null as unknown as object, "x")),
    };
  },

  /** Telemetry is JSON built on the device: key order and number text must not depend on the engine. */
  jsonAndNumberText() {
    const payload: Record<string, unknown> = { z: 1, 10: "ten", a: [1.5, -0, 1e21, 1e-7], 2: null };
    payload.b = { nested: true, list: [] };
    return {
      keys: Object.keys(payload),
      json: JSON.stringify(payload),
      indented: JSON.stringify({ a: [1, { b: 2 }] }, null, 2),
      numbers: [0.1 + 0.2, 1 / 3, 123.456, 5e-324, 2 ** 70, -1e-7, 100, 1e21].map(String),
      // Not (0.5).toFixed(0): the XS in @agoric/xsnap 0.15.0 returns "0." (and
      // "-0." for -0.2) when toFixed(0) rounds a nonzero |x| <= 0.5, where the
      // spec and V8 give "1" / "-0". Firmware must round with Math.round
      // instead; this suite found it, and a scenario that kept it could not pass.
      fixed: [(1.005).toFixed(2), (123.456).toFixed(1), (0.51).toFixed(0), (-1.5).toFixed(0), (0).toFixed(0), (1e21).toFixed(2)],
      radix: [(255).toString(2), (255).toString(16), (-255).toString(36), (0xdeadbeef).toString(16)],
      parsed: [Number("0x1f"), Number(" 12 "), Number(""), parseInt("08"), parseFloat("3.14abc"), num(Number("abc"))],
      roundTrip: JSON.parse(JSON.stringify({ x: 0.1, y: [1e300, -2.5e-300] })) as unknown,
    };
  },

  /** Array.prototype.sort is stable since ES2019; firmware sorts records by key with ties. */
  sortStability() {
    const records = Array.from({ length: 40 }, (_, i) => ({ key: (i * 7) % 5, seq: i }));
    const sorted = [...records].sort((a, b) => a.key - b.key).map((r) => r.seq);
    return { sorted, defaultIsTextual: [10, 9, 1, 100].sort() };
  },
} satisfies Record<string, () => unknown>;
