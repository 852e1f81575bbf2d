/**
 * Finds RTU frames in what a UART receives.
 *
 * "character" timing (the serial line spec, exactly): every chunk comes with
 * the time its last character ended, in µs; characters of one chunk are
 * back to back. A silence longer than t1.5 inside a frame marks it broken
 * (it is still collected, then dropped whole); a silence of t3.5 ends it. The
 * frame is delivered when t3.5 has passed: either a later chunk shows the
 * gap, or poll() is called at or after deadlineUs (t3.5 plus the one
 * character time it takes to know no character began inside the t3.5).
 *
 * "burst" timing (a UART whose FIFO hides character timing, like the
 * ESP32's): the UART reports what its FIFO holds when it reaches its
 * threshold, or after its receive timeout, which the caller sets to the
 * whole number of character times just over t1.5. Each report comes with the
 * time the firmware saw it and how it came:
 * - one that came by timeout ended a receive timeout earlier, and was
 *   followed by a silence longer than t1.5: if more characters follow before
 *   t3.5 has passed, the frame is broken (FRAME_TIMING);
 * - characters that began t3.5 or more after the frame's last one start a
 *   new frame.
 * A late report (a busy event loop) makes its characters look later than
 * they were, never earlier, so a frame never ends early; a gap between two
 * reports is off by the difference in their lateness. The frame is over
 * once its deadline has passed with nothing in the UART's FIFO; the caller
 * checks the FIFO (poll() only looks at the time), because a character that
 * began within t3.5 sits there unreported until the UART's next timeout.
 */
import { FRAME_OVERRUN, FRAME_TIMING } from "./server";
import type { FrameTiming } from "./timing";

/** Largest RTU frame (serial line spec §2.5.1): address, 253-byte PDU, CRC. */
export const MAX_FRAME = 256;

/** Floating point slack when comparing gaps to t1.5 and t3.5, µs. */
const EPSILON_US = 1e-6;

export type FrameSink = (frame: Uint8Array, length: number, flags: number) => void;

export class RtuFramer {
  /** The frame being received; valid during the sink call only. */
  readonly frame = new Uint8Array(MAX_FRAME);
  private length = 0;
  private flags = 0;
  private receiving = false;
  /**
   * When the last character ended, µs. In a Float64Array rather than a
   * property: V8 allocates a new heap number each time a fractional value is
   * stored in a property, which would be an allocation per character.
   */
  private readonly lastEnd = new Float64Array(1);
  private characterUs = 0;
  private t15Us = 0;
  private t35Us = 0;
  private idleUs = 0;
  private receiveTimeoutUs = 0;
  /** Burst timing: the last report came by receive timeout, so the line was silent for longer than t1.5 after it. */
  private silent = false;
  private readonly sink: FrameSink;

  /** `receiveTimeoutUs`: burst timing, the UART's receive timeout (a whole number of character times over t1.5). */
  constructor(timing: FrameTiming, mode: "character" | "burst", sink: FrameSink, receiveTimeoutUs?: number) {
    this.sink = sink;
    this.configure(timing, mode, receiveTimeoutUs);
  }

  configure(timing: FrameTiming, mode: "character" | "burst", receiveTimeoutUs?: number): void {
    this.characterUs = timing.characterUs;
    this.t15Us = timing.t15Us;
    this.t35Us = timing.t35Us;
    this.receiveTimeoutUs = mode === "burst" ? (receiveTimeoutUs ?? 0) : 0;
    // Characters are seen at their stop bit: one that started within t3.5 of
    // the last is only known a character time later, so the frame is declared
    // over at t3.5 plus one character.
    this.idleUs = timing.t35Us + timing.characterUs;
    this.reset();
  }

  /** True while a frame is being collected. */
  get busy(): boolean {
    return this.receiving;
  }

  /** When the current frame is complete if nothing more arrives, µs; meaningful while receiving. */
  get deadlineUs(): number {
    return this.lastEnd[0]! + this.idleUs;
  }

  /** Drops whatever was being collected. */
  reset(): void {
    this.length = 0;
    this.flags = 0;
    this.receiving = false;
    this.silent = false;
  }

  /**
   * Character timing: `count` bytes of `chunk`, the last of which ended at
   * `endUs`, with FRAME_* flags for errors the UART reported on them.
   */
  receive(chunk: Uint8Array, count: number, endUs: number, errorFlags: number): void {
    if (this.receiving) {
      const gap = endUs - count * this.characterUs - this.lastEnd[0]!;
      if (gap > this.t15Us + EPSILON_US) {
        if (gap >= this.t35Us - EPSILON_US) this.finish();
        else this.flags |= FRAME_TIMING;
      }
    }
    this.lastEnd[0] = endUs;
    // One character at a time is the common case on a character-timed UART.
    const length = this.length;
    if (count === 1 && length < MAX_FRAME && this.receiving) {
      this.frame[length] = chunk[0]!;
      this.length = length + 1;
      this.flags |= errorFlags;
      return;
    }
    this.append(chunk, count, errorFlags);
  }

  /**
   * Burst timing: `count` bytes the UART reported, seen at `nowUs`;
   * `byTimeout` when the report came by receive timeout rather than at the
   * FIFO threshold (or from a poll of the FIFO).
   */
  receiveBurst(chunk: Uint8Array, count: number, nowUs: number, byTimeout: boolean, errorFlags: number): void {
    const end = byTimeout ? nowUs - this.receiveTimeoutUs : nowUs;
    if (this.receiving) {
      // Characters of one report are back to back: the first began count characters before the end.
      const gap = end - count * this.characterUs - this.lastEnd[0]!;
      if (gap >= this.t35Us - EPSILON_US) this.finish();
      else if (this.silent) this.flags |= FRAME_TIMING;
    }
    this.append(chunk, count, errorFlags);
    this.lastEnd[0] = end;
    this.silent = byTimeout;
  }

  /** True when the frame's silence has lasted (deadlineUs has passed). */
  due(nowUs: number): boolean {
    return this.receiving && nowUs - this.lastEnd[0]! >= this.idleUs - EPSILON_US;
  }

  /** Delivers the frame if its silence has lasted; true when it did. */
  poll(nowUs: number): boolean {
    if (!this.due(nowUs)) return false;
    this.finish();
    return true;
  }

  private append(chunk: Uint8Array, count: number, errorFlags: number): void {
    this.receiving = true;
    this.flags |= errorFlags;
    const length = this.length;
    let n = count;
    if (length + n > MAX_FRAME) {
      n = MAX_FRAME - length;
      this.flags |= FRAME_OVERRUN;
    }
    if (n === 1) this.frame[length] = chunk[0]!;
    else if (n > 0) this.frame.set(n === chunk.length ? chunk : this.view(chunk, n), length);
    this.length = length + n;
  }

  /** chunk[0, n) as a view, cached: TypedArray.set copies far faster than a loop on XS, and the views are made once. */
  private view(chunk: Uint8Array, n: number): Uint8Array {
    if (this.viewsOf !== chunk) {
      this.viewsOf = chunk;
      this.views = [];
    }
    return (this.views[n] ??= chunk.subarray(0, n));
  }

  private viewsOf: Uint8Array | undefined;
  private views: Uint8Array[] = [];

  private finish(): void {
    const length = this.length;
    const flags = this.flags;
    this.reset();
    this.sink(this.frame, length, flags);
  }
}
