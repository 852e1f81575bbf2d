/**
 * Download rate and time left from the byte counts a device reports (at
 * most about two a second): the slope over the last few seconds, so a stall
 * shows as a falling rate rather than a lifetime average. Reports that
 * arrive in a burst (a fast download whose reports queued behind it) span
 * too little time to mean a rate, so none is claimed from them.
 */
export class RateMeter {
  readonly #windowMs: number;
  readonly #minSpanMs: number;
  readonly #samples: Array<{ at: number; bytes: number }> = [];

  constructor(windowMs = 5_000, minSpanMs = 300) {
    this.#windowMs = windowMs;
    this.#minSpanMs = minSpanMs;
  }

  /** Adds a sample; a byte count that went down (a restarted download) starts over. */
  add(at: number, bytes: number): void {
    const last = this.#samples.at(-1);
    if (last !== undefined && bytes < last.bytes) this.#samples.length = 0;
    this.#samples.push({ at, bytes });
    while (this.#samples.length > 2 && at - this.#samples[1]!.at >= this.#windowMs) this.#samples.shift();
  }

  /** Bytes per second, or null without two samples at least minSpanMs apart. */
  rate(): number | null {
    const first = this.#samples[0];
    const last = this.#samples.at(-1);
    if (first === undefined || last === undefined || last.at - first.at < this.#minSpanMs) return null;
    return ((last.bytes - first.bytes) * 1000) / (last.at - first.at);
  }

  /** Seconds until `total`, or null when the rate is unknown or zero. */
  eta(bytes: number, total: number | null): number | null {
    const rate = this.rate();
    if (total === null || rate === null || rate <= 0) return null;
    return Math.max(0, (total - bytes) / rate);
  }
}
