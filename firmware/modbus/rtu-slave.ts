/**
 * The Modbus RTU slave on a UART: opens the port with the line settings,
 * delimits frames (framer.ts), hands them to the server and sends its reply,
 * never more at once than the transmit FIFO takes. The reply starts no
 * earlier than t3.5 after the request (the frame is only complete then); the
 * RS-485 driver enable is the UART's (SerialOptions.requestToSend), released
 * after the last stop bit.
 *
 * After each transaction, once the reply has left the line, `afterTransaction`
 * runs: that is where a new address or baud rate written over Modbus takes
 * effect, so the reply still goes out with the settings it was asked with.
 *
 * A UART that reports in bursts (the ESP32's) gets a receive timeout of the
 * whole number of character times just over t1.5, so that a gap over t1.5
 * inside a frame shows as a report by timeout followed by more characters;
 * the frame ends t3.5 after its last character by a timer, once the FIFO is
 * found empty (framer.ts).
 *
 * Steady state allocates nothing: fixed receive and transmit buffers, and the
 * views handed to write() are cached by offset and length.
 */
import type { SerialIO, SerialPortDescription } from "../host/io";
import { SERIAL_FRAMING, SERIAL_OVERRUN, SERIAL_PARITY } from "../host/io";
import type { Clock, TimerId, TimerService } from "../host/timer";
import { MAX_FRAME, RtuFramer } from "./framer";
import { FRAME_CHARACTER, FRAME_OVERRUN, type ModbusServer } from "./server";
import { frameTiming, type FrameTiming, type LineFormat } from "./timing";

export interface RtuSlaveOptions {
  port: SerialPortDescription;
  timer: TimerService;
  clock: Clock;
  server: ModbusServer;
  log: (line: string) => void;
  /** Runs after a transaction is over on the line (the reply sent, or none due). */
  afterTransaction?: () => void;
}

type State = "closed" | "listening" | "sending";

/** A parked timer's interval: far enough never to fire, small enough for a 32-bit ms count. */
const PARKED_MS = 0x3fffffff;

/** A zero-length read takes nothing and tells whether characters are waiting (0) or not (undefined). */
const PEEK = new Uint8Array(0);

/**
 * The receive timeout for burst reception, in whole character times: the
 * fewest whose silence exceeds t1.5 (the UART counts whole characters).
 */
export function receiveTimeoutCharacters(timing: FrameTiming): number {
  return Math.max(1, Math.ceil(timing.t15Us / timing.characterUs - 1e-9));
}

export class RtuSlave {
  readonly #options: RtuSlaveOptions;
  readonly #server: ModbusServer;
  readonly #framer: RtuFramer;
  readonly #chunk = new Uint8Array(128);
  readonly #tx = new Uint8Array(MAX_FRAME);
  readonly #views = new Map<number, Uint8Array>();
  readonly #micros: () => number;
  #serial: SerialIO | undefined;
  #line: LineFormat | undefined;
  #timing: FrameTiming | undefined;
  #state: State = "closed";
  #frameTimer: TimerId | undefined;
  #sentTimer: TimerId | undefined;
  #frameArmed = false;
  /** Timer callbacks, made once: nothing is allocated per frame. */
  readonly #onFrameTimerBound = (): void => this.#onFrameTimer();
  readonly #sentBound = (): void => this.#sent();
  #burst = false;
  #threshold = 120;
  #writable = 0;
  #txLength = 0;
  #txOffset = 0;
  #pendingLine: LineFormat | undefined;

  constructor(options: RtuSlaveOptions) {
    this.#options = options;
    this.#server = options.server;
    const clock = options.clock;
    this.#micros = clock.microseconds !== undefined ? () => clock.microseconds!() : () => clock.ticks() * 1000;
    this.#framer = new RtuFramer(frameTiming({ baud: 19200, parity: "even", stopBits: 1 }), "character", (frame, length, flags) =>
      this.#onFrame(frame, length, flags),
    );
  }

  get line(): LineFormat | undefined {
    return this.#line;
  }

  /** Opens the UART with these line settings. */
  open(line: LineFormat): void {
    if (this.#state !== "closed") throw new Error("modbus: UART already open");
    const { port } = this.#options;
    const timing = frameTiming(line);
    this.#timing = timing;
    this.#line = line;
    const burst = port.receiveTiming === "burst";
    const receiveTimeout = receiveTimeoutCharacters(timing);
    this.#burst = burst;
    this.#threshold = port.receiveThreshold ?? 120;
    this.#framer.configure(timing, port.receiveTiming, burst ? receiveTimeout * timing.characterUs : undefined);
    this.#writable = 0;
    const self = this;
    this.#serial = new port.io({
      port: port.port,
      receive: port.receive,
      transmit: port.transmit,
      baud: line.baud,
      parity: line.parity,
      stopBits: line.stopBits,
      ...(port.requestToSend !== undefined ? { requestToSend: port.requestToSend } : {}),
      ...(burst ? { receiveTimeout } : {}),
      format: "buffer",
      onReadable(count: number) {
        self.#onReadable(count);
      },
      onWritable(count: number) {
        self.#onWritable(count);
      },
    });
    this.#state = "listening";
  }

  close(): void {
    this.#cancelTimers();
    this.#serial?.close();
    this.#serial = undefined;
    this.#framer.reset();
    this.#state = "closed";
  }

  /**
   * New line settings: applied at once when the line is quiet, else after the
   * reply being sent has left.
   */
  reconfigure(line: LineFormat): void {
    if (this.#state === "sending") {
      this.#pendingLine = line;
      return;
    }
    this.close();
    this.open(line);
  }

  #onReadable(count: number): void {
    const serial = this.#serial;
    if (serial === undefined) return;
    const errors = serial.errors?.() ?? 0;
    const flags = (errors & SERIAL_OVERRUN ? FRAME_OVERRUN : 0) | (errors & (SERIAL_PARITY | SERIAL_FRAMING) ? FRAME_CHARACTER : 0);
    const chunk = this.#chunk;
    if (this.#burst) {
      // A report of fewer characters than the FIFO threshold came by receive timeout.
      const byTimeout = count < this.#threshold;
      let n = serial.read(chunk);
      if (n === undefined || n === 0) return;
      this.#framer.receiveBurst(chunk, n, this.#micros(), byTimeout, flags);
      // Characters that arrived while the first read ran (the FIFO is no larger than the chunk).
      while (n === chunk.length) {
        n = serial.read(chunk);
        if (n === undefined || n === 0) break;
        this.#framer.receiveBurst(chunk, n, this.#micros(), false, 0);
      }
    } else {
      const n = serial.read(chunk);
      if (n === undefined || n === 0) return;
      this.#framer.receive(chunk, n, this.#micros(), flags);
    }
    if (this.#framer.busy) this.#armFrameTimer();
  }

  #armFrameTimer(): void {
    if (this.#frameArmed) return;
    this.#frameArmed = true;
    // Whole milliseconds, at least 1, computed here: V8 boxes a fractional
    // number passed to a call it does not inline (XS never allocates for one).
    this.#frameTimer = this.#arm(this.#frameTimer, Math.max(1, Math.ceil((this.#framer.deadlineUs - this.#micros()) / 1000)), this.#onFrameTimerBound);
  }

  /**
   * Arms `timer` (created on first use, calling `fire`) to fire once in
   * `ms` (whole milliseconds). Each timer lives as long as the slave, parked when idle: Moddable removes a one-shot
   * timer once it has fired, so a parked repeating one is what can be re-armed
   * without allocating a new one per frame.
   */
  #arm(timer: TimerId | undefined, ms: number, fire: () => void): TimerId {
    const service = this.#options.timer;
    if (timer === undefined) {
      timer = service.repeat(() => {
        service.schedule(timer!); // park it
        fire();
      }, PARKED_MS);
    }
    service.schedule(timer, ms, PARKED_MS);
    return timer;
  }

  #cancelTimers(): void {
    const service = this.#options.timer;
    if (this.#frameTimer !== undefined) service.clear(this.#frameTimer);
    if (this.#sentTimer !== undefined) service.clear(this.#sentTimer);
    this.#frameTimer = undefined;
    this.#sentTimer = undefined;
    this.#frameArmed = false;
  }

  #onFrameTimer(): void {
    this.#frameArmed = false;
    const framer = this.#framer;
    if (!framer.busy) return;
    // Timers run in whole milliseconds and may come early or late; the
    // microsecond clock decides whether t3.5 has really passed.
    const now = this.#micros();
    if (!framer.due(now)) {
      this.#armFrameTimer();
      return;
    }
    // A character that began within t3.5 has ended by now, but a bursting UART
    // holds it until its receive timeout: its report, with its timing, decides
    // whether it continues this frame or starts the next.
    if (this.#burst && this.#serial?.read(PEEK) === 0) return;
    framer.poll(now);
  }

  #onFrame(frame: Uint8Array, length: number, flags: number): void {
    if (this.#state === "sending") {
      // Part of the reply still waiting for FIFO room: a frame now collided
      // with it on the half-duplex bus, and there is nothing to answer.
      if (this.#txOffset < this.#txLength) return;
      // The whole reply is in the UART, and a master only speaks once it has
      // heard it: that transaction is over, even if its timer has not fired.
      // A new line setting would already have been in force for this frame.
      if (this.#pendingLine !== undefined) return;
      if (this.#sentTimer !== undefined) this.#options.timer.schedule(this.#sentTimer);
      this.#sent();
    }
    const tx = this.#tx;
    const reply = this.#server.handleFrame(frame, length, flags, tx);
    if (reply === 0) {
      this.#options.afterTransaction?.();
      return;
    }
    this.#state = "sending";
    this.#txLength = reply;
    this.#txOffset = 0;
    this.#pump();
  }

  #onWritable(count: number): void {
    this.#writable = count;
    if (this.#state === "sending" && this.#txOffset < this.#txLength) this.#pump();
  }

  #pump(): void {
    const serial = this.#serial;
    if (serial === undefined) return;
    while (this.#txOffset < this.#txLength && this.#writable > 0) {
      const n = Math.min(this.#writable, this.#txLength - this.#txOffset);
      serial.write(this.#view(this.#txOffset, n));
      this.#txOffset += n;
      this.#writable -= n;
    }
    if (this.#txOffset < this.#txLength) return; // onWritable continues
    // Everything is in the FIFO; it drains one character time per byte.
    const queued = this.#options.port.transmitFifo - this.#writable;
    this.#sentTimer = this.#arm(this.#sentTimer, Math.max(1, Math.ceil(((queued + 1) * this.#timing!.characterUs) / 1000)), this.#sentBound);
  }

  #sent(): void {
    this.#state = "listening";
    const line = this.#pendingLine;
    this.#pendingLine = undefined;
    this.#options.afterTransaction?.();
    if (line !== undefined && this.#state === "listening") this.reconfigure(line);
  }

  #view(offset: number, length: number): Uint8Array {
    const key = offset * 512 + length;
    let view = this.#views.get(key);
    if (view === undefined) {
      view = this.#tx.subarray(offset, offset + length);
      this.#views.set(key, view);
    }
    return view;
  }
}
