import type { HttpClientConstructor } from "./http";
import type { HttpServerConstructor } from "./http-server";
import type { MqttProvider } from "../net/mqtt";
import type { AnalogInputSpec, I2CBusSpec } from "../sensors/io";

/**
 * The ECMA-419 IO shapes the firmware depends on, written structurally so that
 * Moddable's classes (device) and the simulator's (Node) both satisfy them
 * without the portable firmware importing either.
 */

/** A GPIO number, as Moddable's typings define it. */
export type PinSpecifier = number;

/** Moddable's Digital modes are opaque constants (`typeof Digital.Input`). */
export type DigitalMode = unknown;

export interface DigitalOptions {
  pin: PinSpecifier;
  mode: DigitalMode;
  edge?: number;
  onReadable?: (this: DigitalIO) => void;
}

export interface DigitalIO {
  read(): number;
  write(value: number): void;
  close(): void;
}

export interface DigitalConstructor {
  new (options: DigitalOptions): DigitalIO;
  readonly Input: DigitalMode;
  readonly InputPullUp: DigitalMode;
  readonly InputPullDown: DigitalMode;
  readonly Output: DigitalMode;
  readonly OutputOpenDrain: DigitalMode;
  readonly Rising: number;
  readonly Falling: number;
}

/**
 * Network clients as Moddable's host configuration exposes them
 * (`new device.network.http.io({ ...device.network.http, host, port })`).
 * Absent when the host has no network.
 */
export interface NetworkProvider {
  readonly http?: { readonly io: HttpClientConstructor };
  readonly httpServer?: { readonly io: HttpServerConstructor };
  /** The ECMA-419 MQTT client (firmware/net/mqtt.ts), with the host's default broker if it has one. */
  readonly mqtt?: MqttProvider;
}

/** The part of `embedded:provider/builtin` the firmware uses. */
export interface DeviceProvider {
  readonly io: {
    readonly Digital: DigitalConstructor;
  };
  readonly network?: NetworkProvider;
  /** Board pins by role, as Moddable's host provider names them. */
  readonly pin: Readonly<Record<string, PinSpecifier>>;
  /** The board's sensor bus (`device.I2C.default`) and 4–20 mA input (`device.Analog.default`); see firmware/sensors/io.ts. */
  readonly I2C?: { readonly default: I2CBusSpec };
  readonly Analog?: { readonly default: AnalogInputSpec };
  /** UARTs by purpose; `modbus` is the RS-485 port the Modbus RTU slave serves on. */
  readonly serial?: {
    readonly modbus?: SerialPortDescription;
  };
}

/** Line parity. Moddable's ESP32 Serial is 8N1 only; the platform sets parity and stop bits through ESP-IDF. */
export type SerialParity = "none" | "even" | "odd";

/** Error kinds a UART reports through `SerialIO.errors()`. */
export const SERIAL_OVERRUN = 1;
export const SERIAL_PARITY = 2;
export const SERIAL_FRAMING = 4;

/**
 * ECMA-419 Serial (`embedded:io/serial`) as the firmware uses it: buffer
 * format, `onReadable(count)` / `onWritable(count)`, and `write()` refusing
 * more than the transmit FIFO has room for ("output full"), as Moddable's
 * ESP32 implementation does.
 *
 * fieldnode extensions, which Moddable's class lacks and the ESP32 platform
 * adds through ESP-IDF (firmware/platform/esp32/uart.c): parity, stop bits,
 * RS-485 driver enable on the RTS pin, the receive timeout, and error flags.
 */
export interface SerialOptions {
  port?: number;
  receive: PinSpecifier;
  transmit: PinSpecifier;
  baud: number;
  /** Default "none". */
  parity?: SerialParity;
  /** Default 1. */
  stopBits?: 1 | 2;
  /**
   * RS-485 driver enable (DE, usually tied to /RE): asserted while the UART
   * transmits, released after the stop bit of the last character.
   */
  requestToSend?: PinSpecifier;
  /**
   * Receive timeout in character times, for UARTs that hand characters over
   * in bursts (`SerialPortDescription.receiveTiming === "burst"`): onReadable
   * fires after this much silence, or when the receive FIFO reaches its
   * threshold. The Modbus slave sets the whole characters just over t1.5, so
   * a timeout inside a frame is a gap the frame may not have.
   */
  receiveTimeout?: number;
  format?: "buffer";
  onReadable?: (this: SerialIO, count: number) => void;
  onWritable?: (this: SerialIO, count: number) => void;
}

export interface SerialIO {
  /**
   * Reads into `buffer` (no allocation); returns the byte count, or undefined
   * when nothing is waiting. A zero-length buffer takes nothing: it answers 0
   * when characters are waiting and undefined when none are.
   */
  read(buffer: Uint8Array): number | undefined;
  /** Queues bytes for transmission; throws when they do not fit the transmit FIFO. */
  write(data: Uint8Array): void;
  close(): void;
  /** SERIAL_* flags for errors seen since the last call, then cleared. */
  errors?(): number;
}

export interface SerialConstructor {
  new (options: SerialOptions): SerialIO;
}

/**
 * A UART wired for a purpose on this board, as Moddable's host providers
 * describe theirs (`device.Serial.default`): which class and port, which pins.
 */
export interface SerialPortDescription {
  readonly io: SerialConstructor;
  readonly port: number;
  readonly receive: PinSpecifier;
  readonly transmit: PinSpecifier;
  /** The RS-485 transceiver's DE pin. */
  readonly requestToSend?: PinSpecifier;
  /**
   * What the receiver lets the firmware observe. "character": onReadable
   * after every character, at its stop bit, so gaps between characters can be
   * timed (the simulator's wire). "burst": the UART's FIFO hands characters
   * over after its receive timeout or at its threshold (ESP32), so only gaps
   * of at least the timeout are seen.
   */
  readonly receiveTiming: "character" | "burst";
  /** "burst" UARTs: the receive FIFO level that triggers onReadable before the timeout. */
  readonly receiveThreshold?: number;
  /** Transmit FIFO size: the most `write()` accepts at once. */
  readonly transmitFifo: number;
}
