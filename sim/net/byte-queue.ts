/**
 * Bytes received from a Node stream and not yet read by the firmware: the
 * buffer behind an ECMA-419 `read()`, which either fills the caller's view
 * (no allocation) or returns a new ArrayBuffer of what it asked for.
 */
export class ByteQueue {
  readonly #chunks: Uint8Array[] = [];
  #headOffset = 0;
  #available = 0;

  get available(): number {
    return this.#available;
  }

  push(chunk: Uint8Array): void {
    this.#chunks.push(chunk);
    this.#available += chunk.length;
  }

  /** Copies up to target.length bytes into `target`; returns how many. */
  read(target: Uint8Array): number;
  /** Up to `byteLength` bytes (all when omitted) in a new buffer. */
  read(byteLength?: number): ArrayBuffer;
  read(what?: Uint8Array | number): number | ArrayBuffer {
    const wanted = what === undefined ? this.#available : typeof what === "number" ? what : what.length;
    const count = Math.min(wanted, this.#available);
    const fresh = typeof what === "object" ? undefined : new ArrayBuffer(count);
    const target = typeof what === "object" ? what : new Uint8Array(fresh!);
    let copied = 0;
    while (copied < count) {
      const head = this.#chunks[0]!;
      const take = Math.min(count - copied, head.length - this.#headOffset);
      target.set(head.subarray(this.#headOffset, this.#headOffset + take), copied);
      copied += take;
      this.#headOffset += take;
      if (this.#headOffset === head.length) {
        this.#chunks.shift();
        this.#headOffset = 0;
      }
    }
    this.#available -= count;
    return fresh ?? count;
  }
}
