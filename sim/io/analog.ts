import type { AnalogConstructor, AnalogIO, AnalogOptions } from "../../firmware/sensors/io";
import type { PowerDomain } from "../device/power-domain";

/** GPIOs with an ADC channel on an ESP32 (ADC1: 32–39, ADC2: 0, 2, 4, 12–15, 25–27), as Moddable maps them. */
const ADC_PINS = new Set([36, 37, 38, 39, 32, 33, 34, 35, 4, 0, 2, 15, 13, 12, 14, 27, 25, 26]);

/** What drives an analog pin: counts per conversion, undefined when the conversion fails. */
export interface AnalogInput {
  readonly resolution?: number;
  read(): number | undefined;
}

/**
 * ECMA-419 Analog (embedded:io/analog) over simulated inputs, with Moddable's
 * ESP32 behaviour: 12-bit resolution, raw counts from read(), RangeError "not
 * analog pin" and "in use", and a read that returns undefined when the ADC
 * fails. A pin with nothing wired to it reads 0.
 */
export function createAnalogClass(inputs: ReadonlyMap<number, AnalogInput>, domain: PowerDomain): AnalogConstructor {
  const inUse = new Set<number>();

  class Analog implements AnalogIO {
    readonly #pin: number;
    #open = true;

    constructor(options: AnalogOptions) {
      const pin = options.pin;
      if (!ADC_PINS.has(pin)) throw new RangeError("not analog pin");
      if (inUse.has(pin)) throw new RangeError("in use");
      if (options.resolution !== undefined && options.resolution !== 12) throw new RangeError("invalid resolution");
      this.#pin = pin;
      inUse.add(pin);
      domain.own(this);
    }

    get format(): "number" {
      return "number";
    }

    get resolution(): number {
      return inputs.get(this.#pin)?.resolution ?? 12;
    }

    read(): number | undefined {
      if (!this.#open) throw new Error("closed");
      const input = inputs.get(this.#pin);
      return input === undefined ? 0 : input.read();
    }

    close(): void {
      if (!this.#open) return;
      this.release();
      domain.disown(this);
    }

    release(): void {
      this.#open = false;
      inUse.delete(this.#pin);
    }
  }

  return Analog;
}
