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
    // ESP32: the RX timeout counts whole characters; ceil(t3.5) of them, so a
    // timeout is always a frame boundary.
    const receiveTimeout = Math.ceil(timing.t35Us / timing.characterUs - 1e-9);
    const threshold = port.receiveThreshold ?? 120;
    // A FIFO-full chunk is followed within `threshold` more characters and a
    // timeout, unless the frame ended exactly there.
    this.#framer.configure(timing, port.receiveTiming, burst ? (threshold + receiveTimeout + 2) * timing.characterUs : undefined);
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
    const port = this.#options.port;
    const errors = serial.errors?.() ?? 0;
    const flags = (errors & SERIAL_OVERRUN ? FRAME_OVERRUN : 0) | (errors & (SERIAL_PARITY | SERIAL_FRAMING) ? FRAME_CHARACTER : 0);
    const chunk = this.#chunk;
    if (port.receiveTiming === "burst") {
      // Read what the callback announced; a count below the FIFO threshold
      // means the receive timeout fired: the frame is over.
      const complete = count < (port.receiveThreshold ?? 120);
      let first = true;
      for (;;) {
        const n = serial.read(chunk);
        if (n === undefined || n === 0) break;
        const more = n === chunk.length;
        this.#framer.receiveBurst(chunk, n, this.#micros(), complete && !more, first ? flags : 0);
        first = false;
        if (!more) break;
      }
      if (first && complete) this.#framer.poll(Number.POSITIVE_INFINITY);
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
    this.#frameTimer = this.#arm(this.#frameTimer, this.#framer.deadlineUs - this.#micros(), this.#onFrameTimerBound);
  }

  /**
   * Arms `timer` (created on first use, calling `fire`) to fire once in
   * `delayUs`. Each timer lives as long as the slave, parked when idle: Moddable removes a one-shot
   * timer once it has fired, so a parked repeating one is what can be re-armed
   * without allocating a new one per frame.
   */
  #arm(timer: TimerId | undefined, delayUs: number, fire: () => void): TimerId {
    const service = this.#options.timer;
    const ms = Math.max(1, Math.ceil(delayUs / 1000));
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
    // Timers run in whole milliseconds and may come early or late; the
    // microsecond clock decides whether t3.5 has really passed.
    if (!this.#framer.poll(this.#micros()) && this.#framer.busy) this.#armFrameTimer();
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
    this.#sentTimer = this.#arm(this.#sentTimer, (queued + 1) * this.#timing!.characterUs, this.#sentBound);
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
