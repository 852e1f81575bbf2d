/**
 * A 4–20 mA current loop read through a shunt resistor on an ECMA-419 Analog
 * input, in the sensor class style (`options.sensor` carries the Analog class
 * and pin; `configure()`, `sample()`, `close()`).
 *
 * counts → mV (counts · fullScale / (2^resolution − 1)) → mA (mV / shunt Ω)
 * → engineering value, linear from `low` at 4 mA to `high` at 20 mA.
 *
 * Signal levels follow NAMUR NE 43 (defaults in mA):
 *
 *   I ≤ 3.6          failure low: wire break or transmitter failure, a
 *                    "disconnected" SensorError
 *   3.6 < I < 3.8    under range: reported, `inRange` false
 *   3.8 ≤ I ≤ 20.5   measuring range (4–20 mA plus the transmitter's
 *                    saturation), scaled linearly, `inRange` true
 *   20.5 < I < 21    over range: reported, `inRange` false
 *   I ≥ 21           failure high: the transmitter signals a fault (or the
 *                    loop is shorted), a "failure" SensorError
 *
 * A saturated ADC (24.5 mA with 100 Ω at 2450 mV) is a failure high too. The
 * constructor takes one reading and throws as `sample()` would, so an open
 * loop is found when the input is opened. The returned sample object is
 * reused.
 */
import type { AnalogInputSpec, AnalogIO } from "./io";
import { SensorError } from "./quality";

export interface LoopCurrentConfiguration {
  /** Shunt resistance, Ω. */
  shunt?: number;
  /** ADC full scale, mV (ESP32, 12 dB attenuation, as Moddable configures it: 2450). */
  fullScale?: number;
  /** Engineering value at 4 mA. */
  low?: number;
  /** Engineering value at 20 mA. */
  high?: number;
  /** At or below this the loop is open or the transmitter failed low, mA. */
  wireBreak?: number;
  /** Below this (and above wireBreak) the signal is under range, mA. */
  underRange?: number;
  /** Above this (and below failureHigh) the signal is over range, mA. */
  overRange?: number;
  /** At or above this the transmitter signals a failure, mA. */
  failureHigh?: number;
}

export interface LoopCurrentOptions extends LoopCurrentConfiguration {
  sensor: AnalogInputSpec & { resolution?: number };
}

export interface LoopCurrentSample {
  /** Loop current, mA. */
  current: number;
  /** Engineering value scaled from the current. */
  value: number;
  /** False when the current is under or over range (NE 43). */
  inRange: boolean;
}

export const LOOP_DEFAULTS: Required<LoopCurrentConfiguration> = {
  shunt: 100,
  fullScale: 2450,
  low: 0,
  high: 100,
  wireBreak: 3.6,
  underRange: 3.8,
  overRange: 20.5,
  failureHigh: 21,
};

export class LoopCurrent {
  #io: AnalogIO | undefined;
  readonly #sample: LoopCurrentSample = { current: Number.NaN, value: Number.NaN, inRange: false };
  readonly #config: Required<LoopCurrentConfiguration> = { ...LOOP_DEFAULTS };
  #maxCount: number;
  #raw = 0;

  constructor(options: LoopCurrentOptions) {
    this.configure(options);
    const io = new options.sensor.io({ ...options.sensor });
    this.#io = io;
    this.#maxCount = 2 ** io.resolution - 1;
    // Like an I2C driver probing its chip: an open loop fails here, not at the first sample.
    try {
      this.sample();
    } catch (error) {
      this.close();
      throw error;
    }
  }

  configure(options: LoopCurrentConfiguration): void {
    const next = { ...this.#config };
    for (const key of Object.keys(LOOP_DEFAULTS) as Array<keyof LoopCurrentConfiguration>) {
      const value = options[key];
      if (value === undefined) continue;
      if (typeof value !== "number" || !Number.isFinite(value)) throw new RangeError(`invalid ${key} ${String(value)}`);
      next[key] = value;
    }
    if (next.shunt <= 0 || next.fullScale <= 0) throw new RangeError("shunt and fullScale must be positive");
    if (next.high === next.low) throw new RangeError("low and high must differ");
    if (!(next.wireBreak <= next.underRange && next.underRange <= 4 && next.overRange >= 20 && next.overRange <= next.failureHigh)) {
      throw new RangeError("thresholds must satisfy wireBreak ≤ underRange ≤ 4 mA and 20 mA ≤ overRange ≤ failureHigh");
    }
    Object.assign(this.#config, next);
  }

  /** The last raw ADC reading, counts. */
  get raw(): number {
    return this.#raw;
  }

  sample(): LoopCurrentSample {
    const io = this.#io;
    if (io === undefined) throw new Error("closed");
    const counts = io.read();
    if (typeof counts !== "number") throw new SensorError("bus-error", "loop current: ADC read failed");
    this.#raw = counts;
    const c = this.#config;
    const current = (counts * c.fullScale) / this.#maxCount / c.shunt;
    if (current <= c.wireBreak) {
      throw new SensorError("disconnected", `loop current ${formatMilliamps(current)} mA: wire break (NE 43 failure low, ≤ ${c.wireBreak} mA)`);
    }
    if (current >= c.failureHigh) {
      throw new SensorError("failure", `loop current ${formatMilliamps(current)} mA: transmitter failure signal (NE 43 failure high, ≥ ${c.failureHigh} mA)`);
    }
    const sample = this.#sample;
    sample.current = current;
    sample.value = c.low + ((current - 4) * (c.high - c.low)) / 16;
    sample.inRange = current >= c.underRange && current <= c.overRange;
    return sample;
  }

  close(): void {
    this.#io?.close();
    this.#io = undefined;
  }
}

function formatMilliamps(value: number): string {
  const hundredths = Math.round(value * 100);
  return `${Math.floor(hundredths / 100)}.${String(hundredths % 100).padStart(2, "0")}`;
}
