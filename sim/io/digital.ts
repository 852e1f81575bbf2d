import type { DigitalConstructor, DigitalIO, DigitalOptions } from "../../firmware/host/io";
import type { PowerDomain } from "../device/power-domain";
import type { GpioBank } from "./gpio-bank";

/** Moddable's constants for embedded:io/digital. */
const MODE = { Input: 0, InputPullUp: 1, InputPullDown: 2, InputPullUpDown: 3, Output: 8, OutputOpenDrain: 9 } as const;
const EDGE = { Rising: 1, Falling: 2 } as const;

/**
 * ECMA-419 Digital over the simulated GPIO bank, with the checks Moddable
 * makes: a pin can be open once, writes need an output mode, a closed object
 * refuses every call.
 */
export function createDigitalClass(bank: GpioBank, domain: PowerDomain): DigitalConstructor {
  const inUse = new Set<number>();

  class Digital implements DigitalIO {
    static readonly Input = MODE.Input;
    static readonly InputPullUp = MODE.InputPullUp;
    static readonly InputPullDown = MODE.InputPullDown;
    static readonly InputPullUpDown = MODE.InputPullUpDown;
    static readonly Output = MODE.Output;
    static readonly OutputOpenDrain = MODE.OutputOpenDrain;
    static readonly Rising = EDGE.Rising;
    static readonly Falling = EDGE.Falling;

    #pin: number;
    #output: boolean;
    #open = true;
    #unwatch: (() => void) | undefined;

    constructor(options: DigitalOptions) {
      const { pin, mode } = options;
      if (!bank.has(pin)) throw new RangeError(`invalid pin ${pin}`);
      if (inUse.has(pin)) throw new Error(`pin ${pin} in use`);
      if (!Object.values(MODE).includes(mode as never)) throw new RangeError(`invalid mode ${String(mode)}`);
      this.#pin = pin;
      this.#output = mode === MODE.Output || mode === MODE.OutputOpenDrain;
      const pull = mode === MODE.InputPullUp ? 1 : mode === MODE.InputPullDown ? 0 : undefined;
      bank.configure(pin, this.#output ? "output" : "input", pull);
      inUse.add(pin);
      domain.own(this);

      const { onReadable, edge } = options;
      if (onReadable !== undefined) {
        if (this.#output) throw new RangeError("onReadable requires an input mode");
        if (edge === undefined || (edge & (EDGE.Rising | EDGE.Falling)) === 0) throw new RangeError("invalid edge");
        let last = bank.state(pin).level;
        this.#unwatch = bank.watchInput(pin, (level) => {
          const rising = last === 0 && level === 1;
          last = level;
          if ((rising && edge & EDGE.Rising) || (!rising && edge & EDGE.Falling)) {
            domain.run(() => onReadable.call(this));
          }
        });
      }
    }

    get format(): "number" {
      return "number";
    }

    read(): number {
      this.#check();
      return bank.state(this.#pin).level;
    }

    write(value: number): void {
      this.#check();
      if (!this.#output) throw new Error("write requires an output mode");
      bank.drive(this.#pin, value ? 1 : 0);
    }

    close(): void {
      if (!this.#open) return;
      this.release();
      domain.disown(this);
    }

    /** Power domain teardown. */
    release(): void {
      this.#open = false;
      this.#unwatch?.();
      this.#unwatch = undefined;
      inUse.delete(this.#pin);
    }

    #check(): void {
      if (!this.#open) throw new Error("closed");
    }
  }

  return Digital;
}
