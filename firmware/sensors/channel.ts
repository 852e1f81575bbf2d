/**
 * One measured quantity (a temperature, a pressure, a loop value) and its
 * signal path: calibration (value = gain · reading + offset), a range check,
 * a chain of filters, stale and stuck detection, and a quality state with
 * counters. Readings outside the range never enter the filters; after a fault
 * or a stale period the filters start afresh.
 *
 * Updating a channel allocates nothing: the sampling loop calls it for every
 * sample, at up to 100 Hz. Its numbers live in a Float64Array and readings
 * arrive in one (`acceptFrom`), so that not even V8, which boxes doubles
 * passed through calls it does not inline, allocates on this path.
 */
import { createFilter, type Filter, type FilterSpec } from "./filters";
import { Quality } from "./quality";

export interface ChannelConfig {
  /** Calibration: value = gain · reading + offset. */
  gain: number;
  offset: number;
  /** Valid range of the calibrated value; null leaves that side open. */
  min: number | null;
  max: number | null;
  filters: FilterSpec[];
  /** No new value for this long makes the value stale, ms; 0 means three sample intervals. */
  staleAfter: number;
  /** This many identical readings in a row (at least 2) mean a stuck sensor (stale); 0 turns it off. */
  stuckAfter: number;
  /** A change of at least this much since the last telemetry message is sent at once; 0: only on the interval. */
  delta: number;
  /** Decimal places in telemetry. */
  decimals: number;
}

export const CHANNEL_DEFAULTS: ChannelConfig = {
  gain: 1,
  offset: 0,
  min: null,
  max: null,
  filters: [],
  staleAfter: 0,
  stuckAfter: 0,
  delta: 0,
  decimals: 2,
};

/** What the Modbus register map and telemetry read from a channel. */
export interface ChannelSource {
  readonly name: string;
  readonly unit: string;
  /** Latest good value (filtered), held through faults; NaN before the first. */
  readonly value: number;
  readonly quality: Quality;
  /** Host ticks (ms since boot) when `value` was produced; −1 before the first. */
  readonly timestamp: number;
}

export interface ChannelCounters {
  /** Good values produced. */
  samples: number;
  /** Readings rejected as out of range. */
  outOfRange: number;
  /** Times the value went stale (no data, or stuck). */
  stale: number;
  /** Times the quality changed. */
  transitions: number;
}

const VALUE = 0;
const READING = 1;
const LAST_RAW = 2;
const CELL = 3;

export class Channel implements ChannelSource {
  readonly name: string;
  readonly unit: string;
  readonly config: Readonly<ChannelConfig>;
  readonly counters: ChannelCounters = { samples: 0, outOfRange: 0, stale: 0, transitions: 0 };
  readonly #filters: Filter[];
  readonly #staleAfter: number;
  /** value, reading, last raw reading, the cell the filters work in. */
  readonly #numbers = Float64Array.of(Number.NaN, Number.NaN, Number.NaN, 0);
  #quality: Quality = Quality.Stale;
  #timestamp = -1;
  #changedAt = 0;
  #repeats = 0;
  #startedAt = 0;

  constructor(name: string, unit: string, config: Partial<ChannelConfig>, sampleInterval: number) {
    this.name = name;
    this.unit = unit;
    const full: ChannelConfig = { ...CHANNEL_DEFAULTS, ...config };
    if (!Number.isFinite(full.gain) || full.gain === 0) throw new RangeError(`${name}: gain must be a non-zero number`);
    if (!Number.isFinite(full.offset)) throw new RangeError(`${name}: offset must be a number`);
    if (full.min !== null && full.max !== null && full.min > full.max) throw new RangeError(`${name}: min is above max`);
    if (full.stuckAfter === 1) throw new RangeError(`${name}: stuckAfter must be 0 (off) or at least 2`);
    this.config = full;
    this.#filters = full.filters.map(createFilter);
    this.#staleAfter = full.staleAfter > 0 ? full.staleAfter : 3 * sampleInterval;
  }

  get value(): number {
    return this.#numbers[VALUE]!;
  }

  /** The last calibrated reading, even one that was out of range; NaN before the first. */
  get reading(): number {
    return this.#numbers[READING]!;
  }

  get quality(): Quality {
    return this.#quality;
  }

  get timestamp(): number {
    return this.#timestamp;
  }

  /** Ticks of the last quality change. */
  get changedAt(): number {
    return this.#changedAt;
  }

  /**
   * True when the value differs from `reference[index]` by at least the
   * configured delta (always false with delta 0; true against NaN).
   */
  changedBy(reference: Float64Array, index: number): boolean {
    const delta = this.config.delta;
    return delta > 0 && !(Math.abs(this.#numbers[VALUE]! - reference[index]!) < delta);
  }

  /** The sampling loop starts: staleness counts from here until the first value. */
  start(now: number): void {
    this.#startedAt = now;
    this.#changedAt = now;
  }

  /** A new reading from the sensor; `valid` false when the sensor itself flags it out of range. */
  accept(raw: number, valid: boolean, now: number): void {
    const numbers = this.#numbers;
    numbers[CELL] = raw;
    this.acceptFrom(numbers, CELL, valid, now);
  }

  /** `accept` for the reading in `readings[index]`: the sampling loop's allocation-free path. */
  acceptFrom(readings: Float64Array, index: number, valid: boolean, now: number): void {
    const config = this.config;
    const numbers = this.#numbers;
    const raw = readings[index]!;
    if (config.stuckAfter > 0) {
      if (raw === numbers[LAST_RAW]) {
        if (++this.#repeats + 1 >= config.stuckAfter) {
          this.#set(Quality.Stale, now);
          return;
        }
      } else {
        this.#repeats = 0;
        numbers[LAST_RAW] = raw;
      }
    }
    const reading = config.gain * raw + config.offset;
    numbers[READING] = reading;
    if (!valid || (config.min !== null && reading < config.min) || (config.max !== null && reading > config.max)) {
      this.counters.outOfRange++;
      this.#set(Quality.OutOfRange, now);
      return;
    }
    const previous = this.#quality;
    if (previous !== Quality.Ok && previous !== Quality.OutOfRange) this.#resetFilters();
    numbers[CELL] = reading;
    const filters = this.#filters;
    for (let i = 0; i < filters.length; i++) filters[i]!.apply(numbers, CELL);
    numbers[VALUE] = numbers[CELL]!;
    this.#timestamp = now;
    this.counters.samples++;
    this.#set(Quality.Ok, now);
  }

  /** The sensor had no new data this time (conversion not finished). */
  missing(now: number): void {
    const since = this.#timestamp < 0 ? this.#startedAt : this.#timestamp;
    if (this.#quality === Quality.Ok && now - since >= this.#staleAfter) this.#set(Quality.Stale, now);
  }

  /** The sensor failed with this quality (bus error, CRC error, disconnected). */
  fail(quality: Quality, now: number): void {
    this.#repeats = 0;
    this.#numbers[LAST_RAW] = Number.NaN;
    this.#set(quality, now);
  }

  #set(quality: Quality, now: number): void {
    if (quality === this.#quality) return;
    if (quality === Quality.Stale) this.counters.stale++;
    this.counters.transitions++;
    this.#quality = quality;
    this.#changedAt = now;
  }

  #resetFilters(): void {
    const filters = this.#filters;
    for (let i = 0; i < filters.length; i++) filters[i]!.reset();
  }
}
