/**
 * The ECMA-419 bus shapes the sensor drivers use, written structurally (like
 * firmware/host/io.ts) so Moddable's `embedded:io/i2c` and `embedded:io/analog`
 * on the device and the simulator's models (sim/io/i2c.ts, sim/io/analog.ts)
 * both satisfy them.
 *
 * Behaviour the drivers rely on, as Moddable implements it on ESP32
 * (modules/io/i2c/esp32/_i2c.c, modules/io/analog/esp32/_analog.c):
 * - I2C `write()` and `read()` throw ("write failed" / "read failed") when the
 *   transfer is not acknowledged or times out; the error does not say which.
 * - I2C `write()` of zero bytes is a probe (i2c_master_probe): it returns a
 *   truthy value when no device acknowledges the address, undefined otherwise.
 * - `read(buffer)` fills the caller's buffer (no allocation) and returns its
 *   length; `read(count)` allocates a new ArrayBuffer.
 * - Analog `read()` returns raw counts 0 … 2^resolution − 1 (ESP32: 12 bits,
 *   full scale 2450 mV at the default 12 dB attenuation), or undefined when the
 *   ADC read fails.
 */
import type { PinSpecifier } from "../host/io";

export interface I2COptions {
  data: PinSpecifier;
  clock: PinSpecifier;
  /** 7-bit address. */
  address: number;
  hz: number;
  port?: number;
  /** ms; Moddable's default is 400. */
  timeout?: number;
}

export interface I2CIO {
  read(target: Uint8Array, stop?: boolean): number;
  read(byteLength: number, stop?: boolean): ArrayBuffer;
  /** Zero bytes: probe, returns truthy when nothing acknowledged the address. */
  write(data: Uint8Array, stop?: boolean): unknown;
  close(): void;
}

export interface I2CConstructor {
  new (options: I2COptions): I2CIO;
}

/** What a board declares for a bus, as Moddable's `device.I2C.default`. */
export interface I2CBusSpec {
  io: I2CConstructor;
  data: PinSpecifier;
  clock: PinSpecifier;
  port?: number;
}

export interface AnalogOptions {
  pin: PinSpecifier;
  resolution?: number;
}

export interface AnalogIO {
  /** Raw counts, or undefined when the conversion failed. */
  read(): number | undefined;
  readonly resolution: number;
  close(): void;
}

export interface AnalogConstructor {
  new (options: AnalogOptions): AnalogIO;
}

/** What a board declares for an analog input, as Moddable's `device.Analog.default`. */
export interface AnalogInputSpec {
  io: AnalogConstructor;
  pin: PinSpecifier;
}

/**
 * The buses a board wires sensors to, named as Moddable's host providers name
 * them (`device.I2C.default`, `device.Analog.default`). Absent: not wired.
 */
export interface SensorBoard {
  readonly I2C?: { readonly default: I2CBusSpec };
  readonly Analog?: { readonly default: AnalogInputSpec };
}
