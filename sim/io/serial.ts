/**
 * ECMA-419 Serial over the simulated RS-485 bus, modelled on the ESP32's UART
 * as Moddable drives it (modules/io/serial/esp32/serial.c): 128-byte FIFOs,
 * `write()` throws "output full" when the bytes do not fit, `onWritable(free)`
 * once at open and whenever the transmit FIFO drains to 10 bytes, `read(buffer)`
 * returns the count or undefined when empty.
 *
 * Receiving, the UART works in one of two ways, fixed by the board:
 * - "character": onReadable after every character, at its stop bit, so the
 *   firmware can time the gaps between characters (what the simulator's wire
 *   offers beyond the chip);
 * - "burst": onReadable when the receive FIFO reaches its threshold, or after
 *   `receiveTimeout` character times of silence (the ESP32's RX timeout),
 *   which is what the device offers.
 *
 * fieldnode's extensions (parity, stop bits, RS-485 driver enable on the RTS
 * pin, the receive timeout, error flags) are constructor options here; on the
 * device the ESP32 platform applies them through ESP-IDF. `uart(port)` exposes
 * the same register-level controls that platform code uses, for the XS suite's
 * fakes of mc/ffi.
 */
import type { PinSpecifier, SerialConstructor, SerialIO, SerialOptions, SerialParity } from "../../firmware/host/io";
import { SERIAL_FRAMING, SERIAL_OVERRUN, SERIAL_PARITY } from "../../firmware/host/io";
import type { ScheduledEvent, SimClock } from "../clock/sim-clock";
import type { PowerDomain } from "../device/power-domain";
import type { GpioBank } from "./gpio-bank";
import { characterBits } from "../../firmware/modbus/timing";
import { characterMs, type LineFormat, type LinePort, type Reception, type SerialLine } from "../serial/line";

/** Where a transceiver is wired: the UART pins that reach the bus. */
export interface TransceiverWiring {
  readonly line: SerialLine;
  readonly receive: PinSpecifier;
  readonly transmit: PinSpecifier;
  /** The transceiver's DE (/RE) input; driven by the UART's RTS when configured. */
  readonly driverEnable?: PinSpecifier;
  readonly name?: string;
}

export interface UartModelOptions {
  receiveTiming: "character" | "burst";
  /** ESP32: 3 UARTs. */
  ports?: number;
  fifo?: number;
  /** Receive FIFO level that raises onReadable in burst mode (ESP-IDF's default is 120). */
  receiveThreshold?: number;
  /** Transmit FIFO level at which onWritable fires again (Moddable: 10). */
  transmitThreshold?: number;
  /** Moddable sets the RX timeout to 4 characters. */
  defaultReceiveTimeout?: number;
}

/** Register-level control of one UART: what firmware/platform/esp32/uart.c does through ESP-IDF. */
export interface UartControl {
  readonly format: LineFormat | undefined;
  setParity(parity: SerialParity): void;
  setStopBits(stopBits: 1 | 2): void;
  setReceiveTimeout(characters: number): void;
  setReceiveThreshold(level: number): void;
  /** Routes RTS to `pin` (the transceiver's DE) and leaves it released. */
  setRequestToSend(pin: PinSpecifier | undefined): void;
  /** Drives DE: 1 transmit, 0 receive. */
  driveRequestToSend(level: 0 | 1): void;
  /** Releases DE once the last queued character has left the line. */
  releaseWhenIdle(): void;
  transmitIdle(): boolean;
  takeErrors(): number;
  /** Characters waiting in the receive FIFO (uart_get_buffered_data_len). */
  receiveLevel(): number;
}

export interface UartBank {
  readonly Serial: SerialConstructor & { uart(port: number): UartControl | undefined };
  /** The open UART on `port`, if any. */
  uart(port: number): UartControl | undefined;
}

export function createUartBank(transceivers: readonly TransceiverWiring[], clock: SimClock, domain: PowerDomain, gpio: GpioBank, model: UartModelOptions): UartBank {
  const fifoSize = model.fifo ?? 128;
  const ports = model.ports ?? 3;
  const open = new Map<number, SimSerial>();
  const pinsInUse = new Set<number>();

  class SimSerial implements SerialIO, UartControl {
    readonly #port: number;
    readonly #pins: number[];
    #format: LineFormat;
    #line: LinePort | undefined;
    #alive = true;
    readonly #onReadable: ((this: SerialIO, count: number) => void) | undefined;
    readonly #onWritable: ((this: SerialIO, count: number) => void) | undefined;
    readonly #rx: number[] = [];
    #errors = 0;
    #receiveTimeout: number;
    #receiveThreshold: number;
    #timeoutEvent: ScheduledEvent | undefined;
    #writableEvent: ScheduledEvent | undefined;
    #txInterrupt = false;
    /** Start times of queued characters still in the FIFO or the shift register, and when the last ends. */
    #txStarts: number[] = [];
    #txEnd = 0;
    #rts: PinSpecifier | undefined;
    /** DE follows transmission by itself (constructor option); else the platform drives it. */
    #autoRts = false;
    #rtsLevel = 0;
    #releaseEvent: ScheduledEvent | undefined;
    #wiring: TransceiverWiring | undefined;
    #lineName: string | undefined;

    constructor(options: SerialOptions) {
      const port = options.port ?? 0;
      if (!Number.isInteger(port) || port < 0 || port >= ports) throw new RangeError("invalid port");
      const { receive, transmit } = options;
      if (receive === undefined && transmit === undefined) throw new Error("invalid");
      for (const pin of [receive, transmit, options.requestToSend]) {
        if (pin === undefined) continue;
        if (!gpio.has(pin)) throw new RangeError(`invalid pin ${pin}`);
        if (pinsInUse.has(pin)) throw new Error("in use");
      }
      const baud = options.baud;
      if (!(baud > 0 && baud <= 20_000_000)) throw new RangeError("invalid baud");
      if (options.format !== undefined && options.format !== "buffer") throw new RangeError("invalid format");
      if (open.has(port)) throw new RangeError("port in use");
      this.#port = port;
      this.#format = { baud, parity: options.parity ?? "none", stopBits: options.stopBits ?? 1 };
      this.#onReadable = options.onReadable;
      this.#onWritable = options.onWritable;
      this.#receiveTimeout = options.receiveTimeout ?? model.defaultReceiveTimeout ?? 4;
      this.#receiveThreshold = model.receiveThreshold ?? 120;
      this.#pins = [receive, transmit].filter((p): p is number => p !== undefined);
      for (const pin of this.#pins) pinsInUse.add(pin);
      open.set(port, this);
      domain.own(this);

      const wiring = transceivers.find((t) => t.receive === receive && t.transmit === transmit);
      if (wiring !== undefined) {
        const self = this;
        this.#wiring = wiring;
        this.#lineName = wiring.name ?? `uart${port}`;
        this.#line = wiring.line.attach(this.#lineName, {
          format: () => self.#listening(),
          receive: (reception) => self.#receive(reception),
        });
      }
      if (options.requestToSend !== undefined) {
        this.setRequestToSend(options.requestToSend);
        this.#autoRts = true;
      }
      // Moddable enables the TX-empty interrupt at construction: the empty FIFO raises it at once.
      if (this.#onWritable !== undefined) {
        this.#txInterrupt = true;
        this.#armWritable();
      }
    }

    get format(): LineFormat | undefined {
      return this.#alive ? this.#format : undefined;
    }

    read(buffer: Uint8Array): number | undefined;
    read(byteLength?: number): ArrayBuffer | undefined;
    read(buffer?: Uint8Array | number): number | ArrayBuffer | undefined {
      this.#check();
      const rx = this.#rx;
      if (rx.length === 0) return undefined;
      // ArrayBuffer.isView, not instanceof: the firmware's typed arrays come from its own realm.
      if (typeof buffer === "object" && ArrayBuffer.isView(buffer)) {
        const n = Math.min(buffer.length, rx.length);
        for (let i = 0; i < n; i++) buffer[i] = rx[i]!;
        rx.splice(0, n);
        return n;
      }
      const n = typeof buffer === "number" ? Math.min(buffer, rx.length) : rx.length;
      const out = new Uint8Array(rx.splice(0, n));
      return out.buffer;
    }

    write(data: Uint8Array | ArrayBuffer | number): void {
      this.#check();
      const bytes =
        typeof data === "number"
          ? new Uint8Array([data])
          : ArrayBuffer.isView(data)
            ? new Uint8Array(data.buffer, data.byteOffset, data.byteLength)
            : new Uint8Array(data);
      const now = clock.now();
      const level = this.#txLevel(now);
      if (bytes.length > fifoSize - level) throw new Error("output full");
      if (bytes.length === 0) return;
      if (this.#autoRts && this.#rts !== undefined) this.driveRequestToSend(1);
      if (this.#line !== undefined) {
        const characters = this.#line.send(bytes, this.#format);
        for (const c of characters) this.#txStarts.push(c.start);
        this.#txEnd = characters[characters.length - 1]!.end;
      } else {
        // Not wired to the bus: the bytes still take their time to shift out.
        const duration = characterMs(this.#format);
        let t = Math.max(now, this.#txEnd);
        for (let i = 0; i < bytes.length; i++, t += duration) this.#txStarts.push(t);
        this.#txEnd = t;
      }
      if (this.#autoRts) this.releaseWhenIdle();
      if (this.#onWritable !== undefined) {
        this.#txInterrupt = true;
        this.#armWritable();
      }
    }

    close(): void {
      if (!this.#alive) return;
      this.release();
      domain.disown(this);
    }

    errors(): number {
      return this.takeErrors();
    }

    /** Power domain teardown. */
    release(): void {
      if (!this.#alive) return;
      this.#alive = false;
      for (const event of [this.#timeoutEvent, this.#writableEvent, this.#releaseEvent]) if (event !== undefined) clock.cancel(event);
      this.#line?.detach();
      this.#line = undefined;
      if (this.#rts !== undefined && this.#rtsLevel !== 0) gpio.drive(this.#rts, 0);
      for (const pin of this.#pins) pinsInUse.delete(pin);
      if (this.#rts !== undefined) pinsInUse.delete(this.#rts);
      open.delete(this.#port);
    }

    // UartControl

    setParity(parity: SerialParity): void {
      this.#format = { ...this.#format, parity };
    }

    setStopBits(stopBits: 1 | 2): void {
      this.#format = { ...this.#format, stopBits };
    }

    setReceiveTimeout(characters: number): void {
      this.#receiveTimeout = characters;
    }

    setReceiveThreshold(level: number): void {
      this.#receiveThreshold = level;
    }

    setRequestToSend(pin: PinSpecifier | undefined): void {
      if (this.#rts !== undefined) pinsInUse.delete(this.#rts);
      this.#rts = pin;
      this.#rtsLevel = 0;
      if (pin !== undefined) {
        pinsInUse.add(pin);
        gpio.configure(pin, "output", undefined);
        gpio.drive(pin, 0);
      }
    }

    driveRequestToSend(level: 0 | 1): void {
      if (this.#releaseEvent !== undefined && level === 1) {
        clock.cancel(this.#releaseEvent);
        this.#releaseEvent = undefined;
      }
      if (this.#rts === undefined || this.#rtsLevel === level) return;
      this.#rtsLevel = level;
      gpio.drive(this.#rts, level);
    }

    releaseWhenIdle(): void {
      if (this.#releaseEvent !== undefined) clock.cancel(this.#releaseEvent);
      this.#releaseEvent = clock.schedule(Math.max(this.#txEnd, clock.now()), () => {
        this.#releaseEvent = undefined;
        if (this.#alive) this.driveRequestToSend(0);
      });
    }

    transmitIdle(): boolean {
      return clock.now() >= this.#txEnd;
    }

    takeErrors(): number {
      const errors = this.#errors;
      this.#errors = 0;
      return errors;
    }

    receiveLevel(): number {
      return this.#rx.length;
    }

    // The model

    /** Half-duplex: with DE asserted the transceiver's receiver is off (/RE tied to DE). */
    #listening(): LineFormat | undefined {
      if (!this.#alive || this.#rtsLevel === 1) return undefined;
      return this.#format;
    }

    #receive(reception: Reception): void {
      if (this.#rx.length >= fifoSize) {
        this.#errors |= SERIAL_OVERRUN;
      } else {
        this.#rx.push(reception.byte);
        if (reception.parityError) this.#errors |= SERIAL_PARITY;
        if (reception.framingError) this.#errors |= SERIAL_FRAMING;
      }
      if (this.#onReadable === undefined) return;
      if (model.receiveTiming === "character") {
        this.#readable();
        return;
      }
      if (this.#rx.length >= this.#receiveThreshold) {
        this.#readable();
        return;
      }
      this.#armTimeout(reception.end);
    }

    /**
     * The RX timeout: `receiveTimeout` character times of silence after
     * `lastEnd`, as ESP-IDF programs it (characters × bits per character) and
     * the chip counts it, in whole units of 8 bit times.
     */
    #armTimeout(lastEnd: number): void {
      if (this.#timeoutEvent !== undefined) clock.cancel(this.#timeoutEvent);
      const bits = this.#receiveTimeout * characterBits(this.#format);
      const timeoutMs = (Math.ceil(bits / 8) * 8 * 1000) / this.#format.baud;
      this.#timeoutEvent = clock.schedule(lastEnd + timeoutMs, () => {
        this.#timeoutEvent = undefined;
        // A start bit already on the wire resets the UART's idle count, as on
        // the chip; the byte itself only arrives at its stop bit.
        const busy = this.#lineName === undefined ? undefined : this.#wiring?.line.activeUntil(this.#lineName);
        if (busy !== undefined) return this.#armTimeout(busy);
        if (this.#rx.length > 0) this.#readable();
      });
    }

    #readable(): void {
      const count = this.#rx.length;
      if (count === 0 || this.#onReadable === undefined) return;
      domain.run(() => this.#onReadable!.call(this, count));
    }

    #txLevel(now: number): number {
      const starts = this.#txStarts;
      let i = 0;
      while (i < starts.length && starts[i]! <= now) i++;
      if (i > 0) starts.splice(0, i);
      return starts.length;
    }

    /** onWritable fires once the FIFO is down to the threshold. */
    #armWritable(): void {
      if (this.#writableEvent !== undefined) clock.cancel(this.#writableEvent);
      const threshold = model.transmitThreshold ?? 10;
      const now = clock.now();
      const level = this.#txLevel(now);
      const at = level <= threshold ? now : this.#txStarts[level - threshold - 1]!;
      this.#writableEvent = clock.schedule(at, () => {
        this.#writableEvent = undefined;
        if (!this.#alive || !this.#txInterrupt) return;
        this.#txInterrupt = false;
        const free = fifoSize - this.#txLevel(clock.now());
        if (free > 0) domain.run(() => this.#onWritable!.call(this, free));
      });
    }

    #check(): void {
      if (!this.#alive) throw new Error("closed");
    }
  }

  const Serial = SimSerial as unknown as SerialConstructor & { uart(port: number): UartControl | undefined };
  Serial.uart = (port: number) => open.get(port);
  return { Serial, uart: (port) => open.get(port) };
}
