/**
 * Sensirion SHT3x (SHT30/31/35) temperature and humidity sensor on I2C, in the
 * ECMA-419 sensor class style: the bus comes in the options (`sensor.io`),
 * `configure()`, `sample()`, `close()`; buffers are allocated once.
 *
 * Unlike Moddable's driver (modules/drivers/sensors/sht3x), it never blocks:
 * no Timer.delay between a command and its result. Each `sample()` call does
 * one step of the chip's protocol, so the sampling loop keeps its rate:
 *
 * - the constructor sends a soft reset (and so fails at once on a missing chip);
 * - the first `sample()` checks the status register, clears it, applies the
 *   heater setting and starts measuring (returns undefined);
 * - single-shot (clock stretching off, command 0x24xx): each later `sample()`
 *   reads the conversion the previous call started and starts the next one, so
 *   calls must be at least the conversion time apart (15 ms at high
 *   repeatability); a read the chip refuses while it still converts is "not
 *   ready" (undefined), not an error;
 * - periodic: each `sample()` sends Fetch Data (0xE000) and reads; the chip
 *   refuses the read when it has no new measurement since the last fetch.
 *
 * Both words of a result carry a CRC-8 that is checked; a mismatch throws a
 * "crc-error" SensorError. The returned sample object is reused by every call.
 */
import { i2cFailure } from "./bus";
import { crc8 } from "./crc8";
import type { I2CBusSpec, I2CIO } from "./io";
import { SensorError } from "./quality";

export type Sht3xMode = "single-shot" | "periodic";
export type Sht3xRepeatability = "high" | "medium" | "low";
/** Measurements per second in periodic mode. */
export type Sht3xRate = 0.5 | 1 | 2 | 4 | 10;

export const SHT3X_ADDRESS = 0x44;
export const SHT3X_ALTERNATE_ADDRESS = 0x45;

/** The command set (datasheet §4.3–4.11), 16 bits, MSB first. */
export const Sht3xCommand = {
  SingleShotHigh: 0x2400,
  SingleShotMedium: 0x240b,
  SingleShotLow: 0x2416,
  SingleShotStretchHigh: 0x2c06,
  SingleShotStretchMedium: 0x2c0d,
  SingleShotStretchLow: 0x2c10,
  FetchData: 0xe000,
  Art: 0x2b32,
  Break: 0x3093,
  SoftReset: 0x30a2,
  HeaterEnable: 0x306d,
  HeaterDisable: 0x3066,
  ReadStatus: 0xf32d,
  ClearStatus: 0x3041,
} as const;

/** Periodic-mode start commands by rate, then repeatability (high, medium, low). */
export const SHT3X_PERIODIC: Readonly<Record<string, readonly [number, number, number]>> = {
  "0.5": [0x2032, 0x2024, 0x202f],
  "1": [0x2130, 0x2126, 0x212d],
  "2": [0x2236, 0x2220, 0x222b],
  "4": [0x2334, 0x2322, 0x2329],
  "10": [0x2737, 0x2721, 0x272a],
};

/** Maximum measurement duration, ms (datasheet Table 4). */
export const SHT3X_MEASUREMENT_MS: Readonly<Record<Sht3xRepeatability, number>> = { high: 15, medium: 6, low: 4 };

/** Status register bits (datasheet Table 17). */
export const Sht3xStatus = {
  AlertPending: 1 << 15,
  Heater: 1 << 13,
  HumidityAlert: 1 << 11,
  TemperatureAlert: 1 << 10,
  ResetDetected: 1 << 4,
  CommandFailed: 1 << 1,
  WriteChecksumFailed: 1 << 0,
} as const;

/** After this many reads in a row without a result, the chip is assumed lost and the driver fails. */
export const SHT3X_NOT_READY_LIMIT = 50;

export interface Sht3xConfiguration {
  mode?: Sht3xMode;
  repeatability?: Sht3xRepeatability;
  /** Periodic mode only. */
  rate?: Sht3xRate;
  heater?: boolean;
}

export interface Sht3xOptions extends Sht3xConfiguration {
  sensor: I2CBusSpec & { address?: number; hz?: number; timeout?: number };
}

export interface Sht3xSample {
  thermometer: { temperature: number };
  hygrometer: { humidity: number };
}

/** Datasheet §4.13: T = −45 + 175 · S_T / (2^16 − 1) °C. */
export function sht3xTemperature(raw: number): number {
  return -45 + (175 * raw) / 65535;
}

/** Datasheet §4.13: RH = 100 · S_RH / (2^16 − 1) %. */
export function sht3xHumidity(raw: number): number {
  return (100 * raw) / 65535;
}

const REPEATABILITY_INDEX: Readonly<Record<Sht3xRepeatability, number>> = { high: 0, medium: 1, low: 2 };
const SINGLE_SHOT: readonly number[] = [Sht3xCommand.SingleShotHigh, Sht3xCommand.SingleShotMedium, Sht3xCommand.SingleShotLow];

type Phase = "reset" | "setup" | "measure" | "closed";

export class SHT3x {
  #io: I2CIO | undefined;
  readonly #command = new Uint8Array(2);
  readonly #result = new Uint8Array(6);
  readonly #statusBytes = new Uint8Array(3);
  readonly #sample: Sht3xSample = { thermometer: { temperature: Number.NaN }, hygrometer: { humidity: Number.NaN } };
  #mode: Sht3xMode = "single-shot";
  #repeatability: Sht3xRepeatability = "high";
  #rate: Sht3xRate = 1;
  #heater = false;
  #phase: Phase = "setup";
  #notReady = 0;
  #status = 0;
  #rawTemperature = 0;
  #rawHumidity = 0;

  constructor(options: Sht3xOptions) {
    this.#apply(options);
    const io = new options.sensor.io({ hz: 400_000, address: SHT3X_ADDRESS, ...options.sensor });
    this.#io = io;
    try {
      this.#send(Sht3xCommand.SoftReset);
    } catch (error) {
      const failure = i2cFailure(io, "SHT3x soft reset", error);
      this.close();
      throw failure;
    }
  }

  /** Changes mode, repeatability, rate or heater; takes effect through a soft reset at the next samples. */
  configure(options: Sht3xConfiguration): void {
    this.#apply(options);
    if (this.#phase !== "closed") this.#phase = "reset";
  }

  /** Shortest time between two `sample()` calls the current configuration allows, ms. */
  get minimumInterval(): number {
    return this.#mode === "single-shot" ? SHT3X_MEASUREMENT_MS[this.#repeatability] : 2;
  }

  /** The status register as last read (at setup). */
  get status(): number {
    return this.#status;
  }

  /** The raw 16-bit temperature word of the last result. */
  get rawTemperature(): number {
    return this.#rawTemperature;
  }

  /** The raw 16-bit humidity word of the last result. */
  get rawHumidity(): number {
    return this.#rawHumidity;
  }

  sample(): Sht3xSample | undefined {
    const io = this.#io;
    if (io === undefined) throw new Error("closed");
    switch (this.#phase) {
      case "reset":
        this.#step(io, "soft reset", Sht3xCommand.SoftReset);
        this.#phase = "setup";
        return undefined;
      case "setup":
        this.#setup(io);
        this.#phase = "measure";
        this.#notReady = 0;
        return undefined;
      case "measure":
        return this.#mode === "single-shot" ? this.#singleShot(io) : this.#fetch(io);
      default:
        throw new Error("closed");
    }
  }

  close(): void {
    this.#phase = "closed";
    this.#io?.close();
    this.#io = undefined;
  }

  #setup(io: I2CIO): void {
    this.#step(io, "read status", Sht3xCommand.ReadStatus);
    this.#read(io, this.#statusBytes, "read status");
    const status = this.#statusBytes;
    if (crc8(status, 0, 2) !== status[2]) throw new SensorError("crc-error", "SHT3x status register: CRC mismatch");
    this.#status = (status[0]! << 8) | status[1]!;
    this.#step(io, "clear status", Sht3xCommand.ClearStatus);
    this.#step(io, "heater", this.#heater ? Sht3xCommand.HeaterEnable : Sht3xCommand.HeaterDisable);
    const r = REPEATABILITY_INDEX[this.#repeatability];
    if (this.#mode === "single-shot") this.#step(io, "start measurement", SINGLE_SHOT[r]!);
    else this.#step(io, "start periodic mode", SHT3X_PERIODIC[String(this.#rate)]![r]!);
  }

  #singleShot(io: I2CIO): Sht3xSample | undefined {
    try {
      io.read(this.#result);
    } catch (error) {
      return this.#notReadyOr(io, error);
    }
    const sample = this.#convert();
    this.#step(io, "start measurement", SINGLE_SHOT[REPEATABILITY_INDEX[this.#repeatability]]!);
    return sample;
  }

  #fetch(io: I2CIO): Sht3xSample | undefined {
    this.#step(io, "fetch data", Sht3xCommand.FetchData);
    try {
      io.read(this.#result);
    } catch (error) {
      return this.#notReadyOr(io, error);
    }
    return this.#convert();
  }

  /** A refused read header means "no result yet" if the chip still answers its address. */
  #notReadyOr(io: I2CIO, error: unknown): undefined {
    const failure = i2cFailure(io, "SHT3x read result", error);
    if (failure.fault !== "bus-error") throw failure;
    if (++this.#notReady >= SHT3X_NOT_READY_LIMIT) {
      throw new SensorError("bus-error", `SHT3x: no result after ${this.#notReady} reads`);
    }
    return undefined;
  }

  #convert(): Sht3xSample {
    const data = this.#result;
    if (crc8(data, 0, 2) !== data[2]) throw new SensorError("crc-error", "SHT3x temperature word: CRC mismatch");
    if (crc8(data, 3, 2) !== data[5]) throw new SensorError("crc-error", "SHT3x humidity word: CRC mismatch");
    this.#notReady = 0;
    this.#rawTemperature = (data[0]! << 8) | data[1]!;
    this.#rawHumidity = (data[3]! << 8) | data[4]!;
    // sht3xTemperature / sht3xHumidity, inline: a double returned from a call V8 does not inline is boxed.
    this.#sample.thermometer.temperature = -45 + (175 * this.#rawTemperature) / 65535;
    this.#sample.hygrometer.humidity = (100 * this.#rawHumidity) / 65535;
    return this.#sample;
  }

  #step(io: I2CIO, what: string, command: number): void {
    try {
      this.#send(command);
    } catch (error) {
      throw i2cFailure(io, `SHT3x ${what}`, error);
    }
  }

  #read(io: I2CIO, target: Uint8Array, what: string): void {
    try {
      io.read(target);
    } catch (error) {
      throw i2cFailure(io, `SHT3x ${what}`, error);
    }
  }

  #send(command: number): void {
    const buffer = this.#command;
    buffer[0] = (command >> 8) & 0xff;
    buffer[1] = command & 0xff;
    this.#io!.write(buffer);
  }

  #apply(options: Sht3xConfiguration): void {
    const { mode, repeatability, rate, heater } = options;
    if (mode !== undefined) {
      if (mode !== "single-shot" && mode !== "periodic") throw new RangeError(`invalid mode ${String(mode)}`);
      this.#mode = mode;
    }
    if (repeatability !== undefined) {
      if (!(repeatability in REPEATABILITY_INDEX)) throw new RangeError(`invalid repeatability ${String(repeatability)}`);
      this.#repeatability = repeatability;
    }
    if (rate !== undefined) {
      if (SHT3X_PERIODIC[String(rate)] === undefined) throw new RangeError(`invalid rate ${String(rate)}`);
      this.#rate = rate;
    }
    if (heater !== undefined) this.#heater = heater === true;
  }
}
