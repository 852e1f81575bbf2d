/**
 * One measured quantity (a temperature, a pressure, a loop value) and its
 * signal path: calibration (value = gain · reading + offset), a range check,
 * a chain of filters, stale and stuck detection, and a quality state with
 * counters. Readings outside the range never enter the filters; after a fault
 * or a stale period the filters start afresh.
 *
 * A value is stamped with the time its measurement started, and its age is
 * checked whenever the quality is read: a value older than `staleAfter` is
 * stale even if no sampling slot has run since (a lost timer, a blocked
 * loop), so nothing can serve an old value as "ok".
 *
 * Updating a channel allocates nothing: the sampling loop calls it for every
 * sample, at up to 100 Hz. Its numbers live in a Float64Array and readings
 * arrive in one (`acceptFrom`), so that not even V8, which boxes doubles
 * passed through calls it does not inline, allocates on this path.
 */
import type { Clock } from "../host/timer";
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
  /**
   * A value measured this long ago is stale, ms; 0 means three sample
   * intervals plus the sensor's latency (one interval for a conversion read
   * at the slot after the one that started it).
   */
  staleAfter: number;
  /** This many readings in a row (at least 2) within `stuckBand` of the first of them mean a stuck sensor (stale); 0 turns it off. */
  stuckAfter: number;
  /**
   * How far readings may move and still count as stuck, in the channel's
   * units (after calibration). 0: only identical readings, the signature of
   * frozen digital words. An analog input always shows ADC noise, so a
   * frozen transmitter is only seen with a band wider than that noise; a
   * process that can stay that steady must leave stuck detection off.
   */
  stuckBand: number;
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
  stuckBand: 0,
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
  /** Host ticks (ms since boot) when the measurement behind `value` started; −1 before the first. */
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
  #clock: Clock | undefined;
  /** value, reading, the raw reading a run of stuck readings started with, the cell the filters work in. */
  readonly #numbers = Float64Array.of(Number.NaN, Number.NaN, Number.NaN, 0);
  #quality: Quality = Quality.Stale;
  #timestamp = -1;
  #changedAt = 0;
  #repeats = 0;

  /**
   * `latency`: how much older than a slot a sample's measurement is, ms (one
   * interval for drivers that read at each slot the conversion the previous
   * slot started); added to the default stale time.
   */
  constructor(name: string, unit: string, config: Partial<ChannelConfig>, sampleInterval: number, latency = 0) {
    this.name = name;
    this.unit = unit;
    const full: ChannelConfig = { ...CHANNEL_DEFAULTS, ...config };
    if (!Number.isFinite(full.gain) || full.gain === 0) throw new RangeError(`${name}: gain must be a non-zero number`);
    if (!Number.isFinite(full.offset)) throw new RangeError(`${name}: offset must be a number`);
    if (full.min !== null && full.max !== null && full.min > full.max) throw new RangeError(`${name}: min is above max`);
    if (full.stuckAfter === 1) throw new RangeError(`${name}: stuckAfter must be 0 (off) or at least 2`);
    if (!(full.stuckBand >= 0)) throw new RangeError(`${name}: stuckBand must be 0 or more`);
    this.config = full;
    this.#filters = full.filters.map(createFilter);
    this.#staleAfter = full.staleAfter > 0 ? full.staleAfter : 3 * sampleInterval + latency;
  }

  /** ms: a value measured this long ago is stale. */
  get staleAfter(): number {
    return this.#staleAfter;
  }

  get value(): number {
    return this.#numbers[VALUE]!;
  }

  /** The last calibrated reading, even one that was out of range; NaN before the first. */
  get reading(): number {
    return this.#numbers[READING]!;
  }

  /** The quality now: an "ok" value that has grown older than staleAfter turns stale here. */
  get quality(): Quality {
    const clock = this.#clock;
    if (this.#quality === Quality.Ok && clock !== undefined) this.#expire(clock.ticks());
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

  /** The sampling loop starts. With a clock, reading `quality` also checks the value's age. */
  start(now: number, clock?: Clock): void {
    this.#changedAt = now;
    this.#clock = clock;
  }

  /**
   * A new reading from the sensor, measured at `time`; `valid` false when the
   * sensor itself flags it out of range. `now`: when it arrived (quality
   * changes are dated then).
   */
  accept(raw: number, valid: boolean, time: number, now: number = time): void {
    const numbers = this.#numbers;
    numbers[CELL] = raw;
    this.acceptFrom(numbers, CELL, valid, time, now);
  }

  /** `accept` for the reading in `readings[index]`: the sampling loop's allocation-free path. */
  acceptFrom(readings: Float64Array, index: number, valid: boolean, time: number, now: number = time): void {
    const config = this.config;
    const numbers = this.#numbers;
    const raw = readings[index]!;
    if (config.stuckAfter > 0) {
      // |Δ|·|gain| ≤ band compares calibrated readings without calibrating; NaN (no run yet) is never within.
      if (Math.abs(raw - numbers[LAST_RAW]!) * Math.abs(config.gain) <= config.stuckBand) {
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
    this.#timestamp = time;
    this.counters.samples++;
    this.#set(Quality.Ok, now);
  }

  /** The sensor had no new data this time (conversion not finished). */
  missing(now: number): void {
    if (this.#quality === Quality.Ok) this.#expire(now);
  }

  /** The sensor failed with this quality (bus error, CRC error, disconnected). */
  fail(quality: Quality, now: number): void {
    this.#repeats = 0;
    this.#numbers[LAST_RAW] = Number.NaN;
    this.#set(quality, now);
  }

  /**
   * An ok value (so timestamp ≥ 0) measured staleAfter or longer before `now`
   * turns stale, dated when it expired (never before the last change: a value
   * can arrive already old).
   */
  #expire(now: number): void {
    const expiry = this.#timestamp + this.#staleAfter;
    if (now >= expiry) this.#set(Quality.Stale, expiry > this.#changedAt ? expiry : this.#changedAt);
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
