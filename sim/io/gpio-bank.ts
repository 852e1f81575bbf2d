/**
 * The board's GPIO pins as the outside world sees them: what the firmware
 * drives on outputs, and what a test (a button, a sensor's alert line) drives
 * on inputs. Survives resets, like the wiring does.
 */
export type PinDirection = "unconfigured" | "input" | "output";

export interface PinState {
  direction: PinDirection;
  /** Level on the wire: driven by the firmware (output) or the outside (input). */
  level: number;
  /** What the outside world drives, used while the pin is an input. */
  external: number;
  /** Number of level changes the firmware made, e.g. LED blinks. */
  transitions: number;
}

export type PinListener = (pin: number, level: number) => void;

export class GpioBank {
  readonly #pins = new Map<number, PinState>();
  readonly #listeners = new Set<PinListener>();
  readonly #inputWatchers = new Map<number, Set<(level: number) => void>>();

  constructor(pins: Iterable<number>) {
    for (const pin of pins) {
      this.#pins.set(pin, { direction: "unconfigured", level: 0, external: 0, transitions: 0 });
    }
  }

  has(pin: number): boolean {
    return this.#pins.has(pin);
  }

  state(pin: number): Readonly<PinState> {
    const state = this.#pins.get(pin);
    if (state === undefined) throw new RangeError(`GPIO ${pin} does not exist on this board`);
    return state;
  }

  /** Called by the simulated Digital class. */
  configure(pin: number, direction: PinDirection, pull: number | undefined): void {
    const state = this.#mutable(pin);
    state.direction = direction;
    if (direction === "input") state.level = pull ?? state.external;
  }

  /** Called by the simulated Digital class when the firmware writes. */
  drive(pin: number, level: number): void {
    const state = this.#mutable(pin);
    if (state.level !== level) state.transitions++;
    state.level = level;
    for (const listener of this.#listeners) listener(pin, level);
  }

  /** The outside world sets an input's level (a button, an alert line). */
  setExternal(pin: number, level: 0 | 1): void {
    const state = this.#mutable(pin);
    state.external = level;
    if (state.direction !== "input" || state.level === level) return;
    state.level = level;
    for (const watcher of this.#inputWatchers.get(pin) ?? []) watcher(level);
  }

  watchInput(pin: number, watcher: (level: number) => void): () => void {
    let set = this.#inputWatchers.get(pin);
    if (set === undefined) this.#inputWatchers.set(pin, (set = new Set()));
    set.add(watcher);
    return () => set.delete(watcher);
  }

  onDrive(listener: PinListener): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** Power loss: outputs float low, configuration is gone. */
  powerDown(): void {
    for (const state of this.#pins.values()) {
      state.direction = "unconfigured";
      state.level = 0;
    }
  }

  #mutable(pin: number): PinState {
    const state = this.#pins.get(pin);
    if (state === undefined) throw new RangeError(`GPIO ${pin} does not exist on this board`);
    return state;
  }
}
