/**
 * The filters a channel chains after calibration. Each keeps its window in a
 * typed array allocated at construction, so filtering a sample allocates
 * nothing. Until a window is full, a filter works on the samples it has.
 *
 * On the sampling path a value travels in a Float64Array cell (`apply`) rather
 * than as an argument or result: XS never allocates for a number, but V8
 * boxes a double that crosses a call it did not inline, and the simulator and
 * benchmarks run the firmware on V8 too.
 */
export type FilterSpec =
  | { type: "median"; size: number }
  | { type: "average"; size: number }
  | { type: "exponential"; alpha: number };

export interface Filter {
  /** Replaces `cell[index]` with the filter's output for that input. */
  apply(cell: Float64Array, index: number): void;
  /** The same, for one value (convenience; allocates on V8). */
  push(value: number): number;
  reset(): void;
}

const one = new Float64Array(1);

function pushThrough(filter: Filter, value: number): number {
  one[0] = value;
  filter.apply(one, 0);
  return one[0]!;
}

export const MAX_WINDOW = 64;

function checkSize(size: number): number {
  if (!Number.isInteger(size) || size < 1 || size > MAX_WINDOW) throw new RangeError(`filter window ${size} is not 1-${MAX_WINDOW}`);
  return size;
}

/** Median of the last `size` values; with an even count, the mean of the two middle ones. */
export class MedianFilter implements Filter {
  readonly #window: Float64Array;
  readonly #sorted: Float64Array;
  #next = 0;
  #count = 0;

  constructor(size: number) {
    this.#window = new Float64Array(checkSize(size));
    this.#sorted = new Float64Array(size);
  }

  push(value: number): number {
    return pushThrough(this, value);
  }

  apply(cell: Float64Array, index: number): void {
    const window = this.#window;
    window[this.#next] = cell[index]!;
    this.#next = (this.#next + 1) % window.length;
    if (this.#count < window.length) this.#count++;
    const n = this.#count;
    const sorted = this.#sorted;
    // Insertion sort of a window of at most 64: no allocation, and fast for the usual 3-9.
    for (let i = 0; i < n; i++) {
      const v = window[i]!;
      let j = i - 1;
      while (j >= 0 && sorted[j]! > v) {
        sorted[j + 1] = sorted[j]!;
        j--;
      }
      sorted[j + 1] = v;
    }
    const mid = n >> 1;
    cell[index] = n & 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
  }

  reset(): void {
    this.#next = 0;
    this.#count = 0;
  }
}

/** Arithmetic mean of the last `size` values, summed afresh each time so rounding never accumulates. */
export class MovingAverageFilter implements Filter {
  readonly #window: Float64Array;
  #next = 0;
  #count = 0;

  constructor(size: number) {
    this.#window = new Float64Array(checkSize(size));
  }

  push(value: number): number {
    return pushThrough(this, value);
  }

  apply(cell: Float64Array, index: number): void {
    const window = this.#window;
    window[this.#next] = cell[index]!;
    this.#next = (this.#next + 1) % window.length;
    if (this.#count < window.length) this.#count++;
    let sum = 0;
    for (let i = 0; i < this.#count; i++) sum += window[i]!;
    cell[index] = sum / this.#count;
  }

  reset(): void {
    this.#next = 0;
    this.#count = 0;
  }
}

/** y ← y + α·(x − y); the first value after a reset is taken as is. */
export class ExponentialFilter implements Filter {
  readonly #alpha: number;
  /** [state]: kept in a typed array so updating it never boxes a double. */
  readonly #state = new Float64Array(1);
  #primed = false;

  constructor(alpha: number) {
    if (!(alpha > 0 && alpha <= 1)) throw new RangeError(`exponential alpha ${alpha} is not in (0, 1]`);
    this.#alpha = alpha;
  }

  push(value: number): number {
    return pushThrough(this, value);
  }

  apply(cell: Float64Array, index: number): void {
    const state = this.#state;
    if (!this.#primed) {
      state[0] = cell[index]!;
      this.#primed = true;
    } else {
      state[0] = state[0]! + this.#alpha * (cell[index]! - state[0]!);
    }
    cell[index] = state[0]!;
  }

  reset(): void {
    this.#primed = false;
  }
}

export function createFilter(spec: FilterSpec): Filter {
  switch (spec.type) {
    case "median":
      return new MedianFilter(spec.size);
    case "average":
      return new MovingAverageFilter(spec.size);
    case "exponential":
      return new ExponentialFilter(spec.alpha);
    default:
      throw new RangeError(`unknown filter type ${String((spec as { type: unknown }).type)}`);
  }
}
