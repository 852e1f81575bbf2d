import type { Sha256 } from "./crypto-port";

/**
 * SHA-256 (FIPS 180-4) in plain JavaScript, for engines without a native
 * digest (the XS engine suite; the simulator uses node:crypto and the device
 * Moddable's native Digest).
 *
 * Written here rather than taken from @noble/hashes because the verifier must
 * not allocate per chunk: noble builds a DataView for every update() call.
 * This one owns three fixed buffers and reads input bytes directly.
 */

const K = new Int32Array([
  0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
  0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
  0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
  0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
  0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
  0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
  0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
  0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
]);

const INITIAL_STATE = [0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19];

const BLOCK = 64;

export class Sha256Js implements Sha256 {
  readonly #state = new Int32Array(8);
  readonly #w = new Int32Array(64);
  /** A partial block carried between update() calls. */
  readonly #pending = new Uint8Array(BLOCK);
  #pendingLength = 0;
  /** Total bytes hashed; a double holds any realistic length exactly (2^53). */
  #length = 0;

  constructor() {
    this.reset();
  }

  reset(): void {
    this.#state.set(INITIAL_STATE);
    this.#pendingLength = 0;
    this.#length = 0;
  }

  update(data: Uint8Array): void {
    const length = data.length;
    this.#length += length;
    let offset = 0;
    if (this.#pendingLength > 0) {
      const take = Math.min(BLOCK - this.#pendingLength, length);
      for (let i = 0; i < take; i++) this.#pending[this.#pendingLength + i] = data[offset + i]!;
      this.#pendingLength += take;
      offset += take;
      if (this.#pendingLength < BLOCK) return;
      this.#compress(this.#pending, 0);
      this.#pendingLength = 0;
    }
    // Whole blocks straight from the caller's bytes: no copy for aligned streams.
    for (; offset + BLOCK <= length; offset += BLOCK) this.#compress(data, offset);
    for (let i = offset; i < length; i++) this.#pending[this.#pendingLength++] = data[i]!;
  }

  digestInto(out: Uint8Array, outOffset = 0): void {
    const bitsHigh = Math.floor(this.#length / 0x20000000);
    const bitsLow = (this.#length * 8) >>> 0;
    const pending = this.#pending;
    let n = this.#pendingLength;
    pending[n++] = 0x80;
    if (n > BLOCK - 8) {
      pending.fill(0, n);
      this.#compress(pending, 0);
      n = 0;
    }
    pending.fill(0, n, BLOCK - 8);
    writeU32(pending, BLOCK - 8, bitsHigh);
    writeU32(pending, BLOCK - 4, bitsLow);
    this.#compress(pending, 0);
    for (let i = 0; i < 8; i++) writeU32(out, outOffset + i * 4, this.#state[i]!);
    this.reset();
  }

  #compress(bytes: Uint8Array, offset: number): void {
    const w = this.#w;
    for (let i = 0, j = offset; i < 16; i++, j += 4) {
      w[i] = (bytes[j]! << 24) | (bytes[j + 1]! << 16) | (bytes[j + 2]! << 8) | bytes[j + 3]!;
    }
    for (let i = 16; i < 64; i++) {
      const x = w[i - 15]!;
      const y = w[i - 2]!;
      const s0 = ((x >>> 7) | (x << 25)) ^ ((x >>> 18) | (x << 14)) ^ (x >>> 3);
      const s1 = ((y >>> 17) | (y << 15)) ^ ((y >>> 19) | (y << 13)) ^ (y >>> 10);
      w[i] = (w[i - 16]! + s0 + w[i - 7]! + s1) | 0;
    }
    const state = this.#state;
    let a = state[0]!;
    let b = state[1]!;
    let c = state[2]!;
    let d = state[3]!;
    let e = state[4]!;
    let f = state[5]!;
    let g = state[6]!;
    let h = state[7]!;
    for (let i = 0; i < 64; i++) {
      const S1 = ((e >>> 6) | (e << 26)) ^ ((e >>> 11) | (e << 21)) ^ ((e >>> 25) | (e << 7));
      const t1 = (h + S1 + ((e & f) ^ (~e & g)) + K[i]! + w[i]!) | 0;
      const S0 = ((a >>> 2) | (a << 30)) ^ ((a >>> 13) | (a << 19)) ^ ((a >>> 22) | (a << 10));
      const t2 = (S0 + ((a & b) ^ (a & c) ^ (b & c))) | 0;
      h = g;
      g = f;
      f = e;
      e = (d + t1) | 0;
      d = c;
      c = b;
      b = a;
      a = (t1 + t2) | 0;
    }
    state[0] = (state[0]! + a) | 0;
    state[1] = (state[1]! + b) | 0;
    state[2] = (state[2]! + c) | 0;
    state[3] = (state[3]! + d) | 0;
    state[4] = (state[4]! + e) | 0;
    state[5] = (state[5]! + f) | 0;
    state[6] = (state[6]! + g) | 0;
    state[7] = (state[7]! + h) | 0;
  }
}

function writeU32(out: Uint8Array, offset: number, value: number): void {
  out[offset] = value >>> 24;
  out[offset + 1] = (value >>> 16) & 0xff;
  out[offset + 2] = (value >>> 8) & 0xff;
  out[offset + 3] = value & 0xff;
}
