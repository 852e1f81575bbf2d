/**
 * A Modbus master's transceiver on the simulated bus: sends frames with exact
 * character timing (and, for tests, chosen gaps), and collects what it
 * receives into frames split at t3.5 of silence, with their times.
 */
import { frameTiming, type LineFormat } from "../../firmware/modbus/timing";
import type { ScheduledEvent, SimClock } from "../clock/sim-clock";
import type { LineCharacter, LinePort, SendOptions, SerialLine } from "./line";

export interface ReceivedFrame {
  readonly bytes: Uint8Array;
  /** Start bit of the first character, ms. */
  readonly start: number;
  /** Stop bit of the last character, ms. */
  readonly end: number;
  /** Some character had a parity or framing error. */
  readonly errors: boolean;
}

export class LineMaster {
  readonly #clock: SimClock;
  readonly #port: LinePort;
  format: LineFormat;
  /** Complete frames, oldest first. */
  readonly frames: ReceivedFrame[] = [];
  readonly #listeners = new Set<(frame: ReceivedFrame) => void>();
  #current: { bytes: number[]; start: number; end: number; errors: boolean } | undefined;
  #closeEvent: ScheduledEvent | undefined;
  #listening = true;

  constructor(line: SerialLine, clock: SimClock, format: LineFormat, name = "master") {
    this.#clock = clock;
    this.format = format;
    this.#port = line.attach(name, {
      format: () => (this.#listening ? this.format : undefined),
      receive: (reception) => {
        const start = reception.character.start;
        const current = this.#current;
        const errors = reception.parityError || reception.framingError;
        if (current === undefined) {
          this.#current = { bytes: [reception.byte], start, end: reception.end, errors };
        } else {
          current.bytes.push(reception.byte);
          current.end = reception.end;
          current.errors ||= errors;
        }
        this.#armClose(reception.end);
      },
    });
    this.#line = line;
    this.#name = name;
  }

  readonly #line: SerialLine;
  readonly #name: string;

  /** The frame ends t3.5 after its last character, unless the line says more is on its way. */
  #armClose(lastEnd: number): void {
    if (this.#closeEvent !== undefined) this.#clock.cancel(this.#closeEvent);
    this.#closeEvent = this.#clock.schedule(lastEnd + frameTiming(this.format).t35Us / 1000, () => {
      this.#closeEvent = undefined;
      // A character whose start bit is already on the wire means the line is not idle.
      const busy = this.#line.activeUntil(this.#name);
      if (busy !== undefined) return this.#armClose(busy);
      this.#finish();
    });
  }

  /** Sends `bytes` when this master's previous transmission is over (plus options); returns the characters. */
  send(bytes: ArrayLike<number>, options?: SendOptions): LineCharacter[] {
    return this.#port.send(bytes, this.format, options);
  }

  /** When this master's transmission ends (or now), ms. */
  get busyUntil(): number {
    return this.#port.busyUntil;
  }

  onFrame(listener: (frame: ReceivedFrame) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** Stops receiving (a master that only talks). */
  set listening(on: boolean) {
    this.#listening = on;
  }

  detach(): void {
    if (this.#closeEvent !== undefined) this.#clock.cancel(this.#closeEvent);
    this.#closeEvent = undefined;
    this.#port.detach();
  }

  #finish(): void {
    const current = this.#current;
    this.#current = undefined;
    if (current === undefined) return;
    const frame: ReceivedFrame = { bytes: Uint8Array.from(current.bytes), start: current.start, end: current.end, errors: current.errors };
    this.frames.push(frame);
    for (const listener of this.#listeners) listener(frame);
  }
}
