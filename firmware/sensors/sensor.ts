/**
 * One physical sensor in the sampling loop: its driver, its own interval, the
 * channels fed from each sample, and its recovery. A driver that throws is
 * closed; the sensor is opened again after a backoff that doubles with each
 * consecutive failure (interval, 2·interval, 4·interval … up to maxBackoff),
 * always on the sensor's slot grid. The first good sample after that ends the
 * fault: the sensor recovers by itself when the fault clears.
 *
 * Channel values are stamped with the time their measurement started (the
 * sample's `time`), not with the slot that read them: a driver that reads at
 * each slot the conversion the previous slot started delivers values one
 * interval old.
 */
import type { Clock, TimerService } from "../host/timer";
import type { Channel } from "./channel";
import { faultQuality, SensorError, type SensorFault } from "./quality";
import { SlotScheduler } from "./scheduler";

/** What a sample may say about when it was measured (samples without `time` are taken as measured when read). */
export interface TimedSample {
  /** Host ticks when the measurement behind the sample started; absent: at the `sample()` call. */
  readonly time?: number;
}

/** The ECMA-419 sensor class shape the loop drives. `sample()` returns undefined while no new result is ready. */
export interface SensorDriver<S> {
  sample(): S | undefined;
  close(): void;
}

export interface ChannelBinding<S> {
  channel: Channel;
  /**
   * Copies the channel's reading from a sample into `readings[index]`, e.g.
   * `(s, r, i) => { r[i] = s.thermometer.temperature; }`. A store instead of a
   * returned number, so the loop allocates nothing even on V8 (see filters.ts).
   */
  read(sample: S, readings: Float64Array, index: number): void;
  /** False marks the reading out of range (e.g. a 4–20 mA signal outside NE 43 limits). */
  valid?(sample: S): boolean;
}

export interface SensorCounters {
  /** Samples that produced values. */
  samples: number;
  /** Slots where the driver had no new result. */
  notReady: number;
  /** Driver objects opened (the first, then one per retry). */
  opens: number;
  busErrors: number;
  crcErrors: number;
  disconnects: number;
  /** Opens that found another chip at the address (wrong chip id). */
  wrongDevice: number;
  /** Samples where the device signalled its own failure (NE 43 ≥ 21 mA). */
  deviceFailures: number;
  /** Faults that ended with a good sample. */
  recoveries: number;
}

export interface SensorOptions<S extends object> {
  name: string;
  /** Sampling interval, whole ms. */
  interval: number;
  /** Opens the driver; throws (a SensorError, ideally) when the chip cannot be reached. */
  open(): SensorDriver<S>;
  bindings: Array<ChannelBinding<S>>;
  /** Longest retry backoff, ms. */
  maxBackoff?: number;
  /** Slot 0 is due this long after the loop starts (spreads sensors apart), ms. */
  phase?: number;
}

export const DEFAULT_MAX_BACKOFF = 30_000;

export interface SensorParts {
  timer: TimerService;
  clock: Clock;
  log: (line: string) => void;
  /** Called after every slot that ran (sampled, found nothing new, or failed). */
  updated: (sensor: SensorHandle) => void;
}

/** A sensor as the loop, telemetry and Modbus see it, whatever its sample type. */
export interface SensorHandle {
  readonly name: string;
  readonly interval: number;
  readonly phase: number;
  readonly channels: readonly Channel[];
  readonly counters: Readonly<SensorCounters>;
  readonly fault: SensorFault | undefined;
  readonly lastError: string;
  readonly retryAt: number;
  readonly consecutiveFailures: number;
  readonly scheduler: SlotScheduler | undefined;
  start(parts: SensorParts, origin: number): void;
  stop(): void;
}

export class Sensor<S extends object> implements SensorHandle {
  readonly name: string;
  readonly interval: number;
  readonly phase: number;
  readonly channels: readonly Channel[];
  readonly counters: SensorCounters = {
    samples: 0,
    notReady: 0,
    opens: 0,
    busErrors: 0,
    crcErrors: 0,
    disconnects: 0,
    wrongDevice: 0,
    deviceFailures: 0,
    recoveries: 0,
  };
  readonly #open: () => SensorDriver<S>;
  readonly #bindings: Array<ChannelBinding<S>>;
  readonly #readings: Float64Array;
  readonly #maxBackoff: number;
  #parts: SensorParts | undefined;
  #scheduler: SlotScheduler | undefined;
  #driver: SensorDriver<S> | undefined;
  #consecutiveFailures = 0;
  #fault: SensorFault | undefined;
  #lastError = "";
  #retryAt = -1;
  #lastHandlerError = "";

  constructor(options: SensorOptions<S>) {
    this.name = options.name;
    this.interval = options.interval;
    this.phase = options.phase ?? 0;
    this.#open = options.open;
    this.#bindings = options.bindings;
    this.#readings = new Float64Array(options.bindings.length);
    this.channels = options.bindings.map((b) => b.channel);
    this.#maxBackoff = Math.max(options.maxBackoff ?? DEFAULT_MAX_BACKOFF, options.interval);
  }

  /** The fault the sensor is in, undefined while it delivers. */
  get fault(): SensorFault | undefined {
    return this.#fault;
  }

  /** The last driver error, for diagnostics. */
  get lastError(): string {
    return this.#lastError;
  }

  /** Ticks of the next retry while in a fault, else −1. */
  get retryAt(): number {
    return this.#fault === undefined ? -1 : this.#retryAt;
  }

  get consecutiveFailures(): number {
    return this.#consecutiveFailures;
  }

  /** The slot scheduler's figures: runs, overruns, lateness. */
  get scheduler(): SlotScheduler | undefined {
    return this.#scheduler;
  }

  start(parts: SensorParts, origin: number): void {
    this.stop();
    this.#parts = parts;
    for (const channel of this.channels) channel.start(origin, parts.clock);
    const scheduler = new SlotScheduler(
      parts.timer,
      parts.clock,
      this.interval,
      (_slot, due, now) => this.#slot(due, now),
      (error) => this.#handlerFailed(error),
    );
    this.#scheduler = scheduler;
    scheduler.start(origin + this.phase);
  }

  stop(): void {
    this.#scheduler?.stop();
    this.#scheduler = undefined;
    this.#closeDriver();
  }

  #slot(due: number, now: number): void {
    const parts = this.#parts!;
    const driver = this.#driver;
    if (driver === undefined) {
      try {
        this.#driver = this.#open();
        this.counters.opens++;
      } catch (error) {
        this.#failed(error, due, now);
      }
      // A freshly opened chip is sampled from the next slot on (reset, first conversion).
      parts.updated(this);
      return;
    }
    let sample: S | undefined;
    try {
      sample = driver.sample();
    } catch (error) {
      this.#failed(error, due, now);
      parts.updated(this);
      return;
    }
    const bindings = this.#bindings;
    if (sample === undefined) {
      this.counters.notReady++;
      for (let i = 0; i < bindings.length; i++) bindings[i]!.channel.missing(now);
    } else {
      this.counters.samples++;
      const started = (sample as TimedSample).time;
      const time = started === undefined ? now : started;
      const readings = this.#readings;
      for (let i = 0; i < bindings.length; i++) {
        const binding = bindings[i]!;
        binding.read(sample, readings, i);
        binding.channel.acceptFrom(readings, i, binding.valid === undefined || binding.valid(sample), time, now);
      }
      if (this.#fault !== undefined) this.#recovered();
    }
    parts.updated(this);
  }

  /** `due`: the slot's due time; the backoff counts from it, so a late run does not push the retry a slot further. */
  #failed(error: unknown, due: number, now: number): void {
    const fault: SensorFault = error instanceof SensorError ? error.fault : "bus-error";
    const message = error instanceof Error ? error.message : String(error);
    const counters = this.counters;
    if (fault === "crc-error") counters.crcErrors++;
    else if (fault === "disconnected") counters.disconnects++;
    else if (fault === "wrong-device") counters.wrongDevice++;
    else if (fault === "failure") counters.deviceFailures++;
    else counters.busErrors++;
    const quality = faultQuality(fault);
    for (const channel of this.channels) channel.fail(quality, now);
    this.#closeDriver();
    this.#consecutiveFailures++;
    const backoff = Math.min(this.#maxBackoff, this.interval * 2 ** Math.min(this.#consecutiveFailures - 1, 30));
    this.#retryAt = due + backoff;
    this.#scheduler?.sleepUntil(this.#retryAt);
    if (fault !== this.#fault) {
      this.#parts?.log(`sensor ${this.name}: ${fault} (${message}); retrying with backoff`);
    }
    this.#fault = fault;
    this.#lastError = message;
  }

  /** Something past the driver threw in a slot (a listener, a channel): logged when the message changes, counted by the scheduler. */
  #handlerFailed(error: unknown): void {
    const message = error instanceof Error ? error.message : String(error);
    if (message === this.#lastHandlerError) return;
    this.#lastHandlerError = message;
    this.#parts?.log(`sensor ${this.name}: a slot failed (${message}); the schedule goes on`);
  }

  #recovered(): void {
    this.counters.recoveries++;
    this.#parts?.log(`sensor ${this.name}: recovered after ${this.#consecutiveFailures} failed attempt${this.#consecutiveFailures === 1 ? "" : "s"}`);
    this.#fault = undefined;
    this.#consecutiveFailures = 0;
    this.#retryAt = -1;
  }

  #closeDriver(): void {
    const driver = this.#driver;
    this.#driver = undefined;
    try {
      driver?.close();
    } catch {
      // A driver on a dead bus may fail to close; it is dropped either way.
    }
  }
}
