/**
 * Finds RTU requests in a byte stream (RTU over TCP, a pseudo-terminal),
 * where silence means nothing: the operating system and the network buffer
 * and split bytes as they like. A request ends where its function code says
 * (frame-length.ts) and its CRC matches; anything else (an unknown function
 * code, a longer diagnostics echo, garbage) is passed on whole once the
 * stream has been idle for `idleMs`, for the slave to judge, as a USB RS-485
 * adapter would put it on the wire.
 */
import { crc16 } from "../../firmware/modbus/crc16";
import { NEED_MORE, UNKNOWN, requestLength } from "../../firmware/modbus/frame-length";
import type { ScheduledEvent, SimClock } from "../clock/sim-clock";

export class StreamFramer {
  readonly #clock: SimClock;
  readonly #onFrame: (frame: Uint8Array) => void;
  readonly #idleMs: number;
  #buffer = new Uint8Array(0);
  #flush: ScheduledEvent | undefined;

  constructor(clock: SimClock, onFrame: (frame: Uint8Array) => void, idleMs = 20) {
    this.#clock = clock;
    this.#onFrame = onFrame;
    this.#idleMs = idleMs;
  }

  push(bytes: Uint8Array): void {
    const joined = new Uint8Array(this.#buffer.length + bytes.length);
    joined.set(this.#buffer);
    joined.set(bytes, this.#buffer.length);
    let buffer = joined;
    for (;;) {
      const length = requestLength(buffer, buffer.length);
      if (length === NEED_MORE || length === UNKNOWN || buffer.length < length) break;
      if (crc16(buffer, 0, length) !== 0) break; // longer than its code says, or damaged: wait for idle
      this.#onFrame(buffer.slice(0, length));
      buffer = buffer.subarray(length);
    }
    this.#buffer = buffer.slice();
    if (this.#flush !== undefined) this.#clock.cancel(this.#flush);
    this.#flush = undefined;
    if (this.#buffer.length > 0) {
      this.#flush = this.#clock.schedule(this.#clock.now() + this.#idleMs, () => {
        this.#flush = undefined;
        const rest = this.#buffer;
        this.#buffer = new Uint8Array(0);
        if (rest.length > 0) this.#onFrame(rest);
      });
    }
  }

  close(): void {
    if (this.#flush !== undefined) this.#clock.cancel(this.#flush);
    this.#flush = undefined;
    this.#buffer = new Uint8Array(0);
  }
}
