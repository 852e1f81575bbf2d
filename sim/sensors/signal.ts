/**
 * Scriptable physics for a simulated quantity: a value over time made of a
 * base (or a piecewise-linear script of [time, value] points), a linear
 * drift, a sine wave and Gaussian noise. Time is the simulator clock's ms.
 */
import { SeededRandom } from "./random";

export interface SignalSpec {
  /** Value at time 0 when there is no script. */
  base?: number;
  /** [ms, value] points, linearly interpolated, held before the first and after the last. */
  script?: ReadonlyArray<readonly [number, number]>;
  /** Units per hour. */
  drift?: number;
  wave?: { amplitude: number; period: number; phase?: number };
  /** Standard deviation of the noise added to every reading. */
  noise?: number;
  seed?: number;
}

export class Signal {
  #spec: SignalSpec;
  #random: SeededRandom;

  constructor(spec: SignalSpec = {}) {
    this.#spec = { ...spec };
    this.#random = new SeededRandom(spec.seed ?? 1);
  }

  get spec(): Readonly<SignalSpec> {
    return this.#spec;
  }

  /** Changes the physics from now on (fields not given keep their value). */
  set(spec: SignalSpec): void {
    this.#spec = { ...this.#spec, ...spec };
    if (spec.seed !== undefined) this.#random = new SeededRandom(spec.seed);
  }

  /** The noiseless value at time `t`. */
  ideal(t: number): number {
    const s = this.#spec;
    let value = s.script !== undefined && s.script.length > 0 ? interpolate(s.script, t) : (s.base ?? 0);
    if (s.drift) value += (s.drift * t) / 3_600_000;
    if (s.wave) value += s.wave.amplitude * Math.sin((2 * Math.PI * t) / s.wave.period + (s.wave.phase ?? 0));
    return value;
  }

  /** A reading at time `t`: the ideal value plus fresh noise. */
  at(t: number): number {
    const noise = this.#spec.noise ?? 0;
    return this.ideal(t) + (noise > 0 ? noise * this.#random.gaussian() : 0);
  }
}

function interpolate(points: ReadonlyArray<readonly [number, number]>, t: number): number {
  const first = points[0]!;
  if (t <= first[0]) return first[1];
  for (let i = 1; i < points.length; i++) {
    const [t1, v1] = points[i]!;
    if (t <= t1) {
      const [t0, v0] = points[i - 1]!;
      return t1 === t0 ? v1 : v0 + ((v1 - v0) * (t - t0)) / (t1 - t0);
    }
  }
  return points[points.length - 1]![1];
}
