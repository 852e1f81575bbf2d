/**
 * A seeded generator (mulberry32) for tests that must replay exactly: the
 * mutation sweep and the chunking of streams. Language only, so XS scenarios
 * use it too.
 */
export class Prng {
  #state: number;

  constructor(seed: number) {
    this.#state = seed >>> 0;
  }

  /** Uniform in [0, 2^32). */
  nextU32(): number {
    this.#state = (this.#state + 0x6d2b79f5) >>> 0;
    let t = this.#state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (t ^ (t >>> 14)) >>> 0;
  }

  /** Uniform integer in [min, max]. */
  int(min: number, max: number): number {
    return min + Math.floor((this.nextU32() / 0x100000000) * (max - min + 1));
  }

  chance(probability: number): boolean {
    return this.nextU32() / 0x100000000 < probability;
  }

  pick<T>(items: readonly T[]): T {
    return items[this.int(0, items.length - 1)]!;
  }

  bytes(length: number): Uint8Array {
    const out = new Uint8Array(length);
    for (let i = 0; i < length; i++) out[i] = this.nextU32() & 0xff;
    return out;
  }
}

/** Deterministic filler (xorshift32) for large payloads: fast, and the same on every engine. */
export function noise(length: number, seed: number): Uint8Array {
  const bytes = new Uint8Array(length);
  let x = seed >>> 0 || 1;
  for (let i = 0; i < length; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    bytes[i] = x & 0xff;
  }
  return bytes;
}

/**
 * Chunk sizes for streaming, mixing single bytes, small and large chunks so
 * every header and payload boundary gets crossed at some offset.
 */
export function chunkSize(prng: Prng, max = 65536): number {
  const roll = prng.nextU32() % 10;
  if (roll < 2) return prng.int(1, 8);
  if (roll < 7) return prng.int(9, 512);
  return prng.int(513, max);
}
