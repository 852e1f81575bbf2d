/**
 * A map entry's value from the cells read for it, and the cells to write
 * for a value: scaling, sign, 32-bit word order and float32 through the
 * firmware's codec (point-codec.ts), bits as booleans, storage as raw cells.
 */
import type { MapEntry } from "./map-entries";
import { codecFor, type PointCodec, type RegisterType } from "./point-codec";

/** A point's value in engineering units (null: a float32 NaN or infinity), a bit, or a storage block's raw cells. */
export type EntryValue = number | boolean | null | readonly number[] | readonly boolean[];

export function entryCodec(entry: MapEntry): PointCodec {
  return codecFor({ type: entry.type as RegisterType, scale: entry.scale, wordOrder: entry.wordOrder });
}

/** Binary scaling leaves noise (1234 / 0.1 = 12340.000000000002); a float32 holds about 7 digits. */
function tidy(value: number, type: string): number {
  return Number(value.toPrecision(type === "float32" ? 7 : 15));
}

/** `cells`: registers 0-65535, or bits as 0/1, as many as the entry has. */
export function decodeEntry(entry: MapEntry, cells: readonly number[]): EntryValue {
  const bits = entry.type === "bool";
  if (entry.storage) return bits ? cells.map((c) => c !== 0) : [...cells];
  if (bits) return cells[0] !== 0;
  const value = entryCodec(entry).decode(cells);
  return value === undefined ? null : tidy(value, entry.type);
}

export type Encoded =
  | { readonly ok: true; readonly words: readonly number[]; /** What the device will hold after rounding to the register. */ readonly stored: number }
  | { readonly ok: false; readonly problem: string };

const FLOAT32_MAX = 3.4028234663852886e38;
const RAW_RANGE: Readonly<Record<RegisterType, readonly [number, number]>> = {
  uint16: [0, 0xffff],
  int16: [-0x8000, 0x7fff],
  uint32: [0, 0xffffffff],
  int32: [-0x80000000, 0x7fffffff],
  float32: [-FLOAT32_MAX, FLOAT32_MAX],
};

/** "uint16 ×0.01: 0 to 6553500": what fits, for the message when a value does not. */
export function describeRange(entry: MapEntry): string {
  const type = entry.type as RegisterType;
  const [lo, hi] = RAW_RANGE[type].map((raw) => tidy(raw / entry.scale, type)) as [number, number];
  const scale = entry.scale === 1 ? "" : ` ×${entry.scale}`;
  return `${type}${scale}: ${Math.min(lo, hi)} to ${Math.max(lo, hi)}`;
}

/** The registers for `value` in a register point, or why it cannot be written. */
export function encodeEntry(entry: MapEntry, value: number): Encoded {
  if (!Number.isFinite(value)) return { ok: false, problem: `${value} is not a finite number` };
  const codec = entryCodec(entry);
  const words = codec.encode(value);
  if (words === undefined) return { ok: false, problem: `${value} does not fit ${entry.name} (${describeRange(entry)})` };
  return { ok: true, words, stored: tidy(codec.decode(words)!, entry.type) };
}
