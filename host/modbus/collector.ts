/**
 * Gathers a reply from a byte stream. A serial driver, a pty or a TCP
 * socket hands bytes over in whatever chunks it likes, so a reply is whole
 * when as many bytes have arrived as its own header says (the firmware's
 * responseLength: 5 for an exception, 5 + byte count for reads, 8 for write
 * echoes), not when a chunk ends.
 */
import { NEED_MORE, UNKNOWN, responseLength } from "../../firmware/modbus/frame-length";

/** Longest frame responseLength can announce (FC 03 with byte count 255 is 260); more is noise. */
const CAPACITY = 512;

export class ResponseCollector {
  readonly #buffer = new Uint8Array(CAPACITY);
  #length = 0;

  /** Forgets everything received: stale bytes from before the request must not prefix its reply. */
  reset(): void {
    this.#length = 0;
  }

  /** Adds a chunk; returns the whole frame once it is complete, else undefined. */
  push(chunk: Uint8Array): Uint8Array | undefined {
    const room = CAPACITY - this.#length;
    const take = chunk.length < room ? chunk.length : room;
    this.#buffer.set(chunk.subarray(0, take), this.#length);
    this.#length += take;
    const expected = this.expectedLength;
    if (expected === undefined || this.#length < expected) return undefined;
    // Bytes past the frame's end cannot belong to this reply (one request, one reply): dropped.
    return this.#buffer.slice(0, expected);
  }

  /** The frame's length once its header tells, else undefined (too few bytes, or a function code with no known length). */
  get expectedLength(): number | undefined {
    const length = responseLength(this.#buffer, this.#length);
    return length === NEED_MORE || length === UNKNOWN ? undefined : length;
  }

  /** A copy of what has arrived so far: for "incomplete reply" messages. */
  get received(): Uint8Array {
    return this.#buffer.slice(0, this.#length);
  }
}
