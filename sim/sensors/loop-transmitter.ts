/**
 * A 4–20 mA field transmitter wired through a shunt to an ESP32 ADC pin: the
 * process value (a Signal in engineering units) becomes a loop current, the
 * shunt a voltage, the ADC counts with its own noise, quantisation and
 * saturation at full scale. Switches for the faults a loop has in the field:
 * an open wire (no current), a transmitter driving a fixed current (e.g.
 * 21.5 mA, the NE 43 failure signal, or 3.7 mA under range), a frozen output,
 * and a failing ADC read. A frozen transmitter drives a constant current,
 * but the ADC keeps adding its own noise, so the counts still move: only a
 * stuck detection with a band wider than that noise sees it.
 */
import type { ChipClock } from "./i2c-bus";
import { SeededRandom } from "./random";
import type { Signal } from "./signal";

export interface LoopTransmitterOptions {
  clock: ChipClock;
  /** The process value, in engineering units. */
  value: Signal;
  /** Engineering value at 4 mA and 20 mA. */
  low: number;
  high: number;
  /** Ω */
  shunt?: number;
  /** ADC full scale, mV. */
  fullScale?: number;
  resolution?: number;
  /** ADC noise, counts (standard deviation). */
  adcNoise?: number;
  seed?: number;
}

export interface LoopFaults {
  wireBreak: boolean;
  /** Current the transmitter drives regardless of the process, mA. */
  forcedCurrent: number | undefined;
  stuck: boolean;
  adcFailure: boolean;
}

export class LoopTransmitter {
  readonly faults: LoopFaults = { wireBreak: false, forcedCurrent: undefined, stuck: false, adcFailure: false };
  readonly resolution: number;
  readonly #clock: ChipClock;
  readonly #value: Signal;
  readonly #low: number;
  readonly #high: number;
  readonly #shunt: number;
  readonly #fullScale: number;
  readonly #adcNoise: number;
  readonly #random: SeededRandom;
  #stuckCurrent = 4;
  #lastCurrent = 4;

  constructor(options: LoopTransmitterOptions) {
    this.#clock = options.clock;
    this.#value = options.value;
    this.#low = options.low;
    this.#high = options.high;
    this.#shunt = options.shunt ?? 100;
    this.#fullScale = options.fullScale ?? 2450;
    this.resolution = options.resolution ?? 12;
    this.#adcNoise = options.adcNoise ?? 0.5;
    this.#random = new SeededRandom(options.seed ?? 3);
  }

  get value(): Signal {
    return this.#value;
  }

  setStuck(stuck: boolean): void {
    this.faults.stuck = stuck;
    this.#stuckCurrent = this.#lastCurrent;
  }

  /** Loop current now, mA: what a clamp meter on the wire would show. */
  current(): number {
    const f = this.faults;
    if (f.wireBreak) return 0;
    if (f.forcedCurrent !== undefined) return f.forcedCurrent;
    if (f.stuck) return this.#stuckCurrent;
    const value = this.#value.at(this.#clock.now());
    // A transmitter saturates a little outside its span (NE 43: 3.8 to 20.5 mA).
    const current = Math.min(20.5, Math.max(3.8, 4 + (16 * (value - this.#low)) / (this.#high - this.#low)));
    this.#lastCurrent = current;
    return current;
  }

  /** One ADC conversion, counts; undefined when the ADC read fails. */
  read(): number | undefined {
    if (this.faults.adcFailure) return undefined;
    const max = 2 ** this.resolution - 1;
    const millivolts = this.current() * this.#shunt;
    const counts = Math.round((millivolts * max) / this.#fullScale + this.#adcNoise * this.#random.gaussian());
    return Math.min(max, Math.max(0, counts));
  }
}
