/**
 * Bosch BMP280 pressure and temperature sensor on I2C, in the ECMA-419 sensor
 * class style (bus in `options.sensor`, `configure()`, `sample()`, `close()`),
 * never blocking.
 *
 * The constructor identifies the chip (register 0xD0 must read 0x58), reads
 * its 24 bytes of trimming coefficients (0x88–0x9F, little-endian dig_T1 …
 * dig_P9) and writes the measurement configuration. In forced mode (the
 * default) each `sample()` reads the conversion the previous call (or the
 * constructor) started and starts the next one; a conversion still running
 * (status bit `measuring`) is "not ready". In normal mode the chip converts on
 * its own and `sample()` reads the latest result. Status and both results come
 * in one 10-byte burst from 0xF3, so a sample is one write and one read.
 *
 * Compensation is the datasheet's double-precision formula (BST-BMP280-DS001
 * §8.1); pressure in Pa, temperature in °C, as the ECMA-419 Barometer and
 * Thermometer classes report them. The returned sample object is reused.
 */
import { i2cFailure } from "./bus";
import type { I2CBusSpec, I2CIO } from "./io";
import { SensorError } from "./quality";

export const BMP280_ADDRESS = 0x76;
export const BMP280_ALTERNATE_ADDRESS = 0x77;
export const BMP280_CHIP_ID = 0x58;

export const Bmp280Register = {
  Calibration: 0x88,
  ChipId: 0xd0,
  Reset: 0xe0,
  Status: 0xf3,
  ControlMeasurement: 0xf4,
  Config: 0xf5,
  PressureMsb: 0xf7,
  TemperatureMsb: 0xfa,
} as const;

/** Writing this to the reset register resets the chip (datasheet §4.3.2). */
export const BMP280_RESET_WORD = 0xb6;
export const BMP280_STATUS_MEASURING = 0x08;
export const BMP280_STATUS_IM_UPDATE = 0x01;
/** What a result register holds before any conversion, or with that measurement skipped. */
export const BMP280_NO_RESULT = 0x80000;

export type Bmp280Oversampling = 1 | 2 | 4 | 8 | 16;
export type Bmp280Filter = 0 | 2 | 4 | 8 | 16;
export type Bmp280Standby = 0.5 | 62.5 | 125 | 250 | 500 | 1000 | 2000 | 4000;

const OVERSAMPLING_CODE: Readonly<Record<number, number>> = { 1: 1, 2: 2, 4: 3, 8: 4, 16: 5 };
const FILTER_CODE: Readonly<Record<number, number>> = { 0: 0, 2: 1, 4: 2, 8: 3, 16: 4 };
const STANDBY_CODE: Readonly<Record<string, number>> = { "0.5": 0, "62.5": 1, "125": 2, "250": 3, "500": 4, "1000": 5, "2000": 6, "4000": 7 };

export interface Bmp280Configuration {
  mode?: "forced" | "normal";
  temperatureOversampling?: Bmp280Oversampling;
  pressureOversampling?: Bmp280Oversampling;
  /** IIR filter coefficient; 0 is off. */
  filter?: Bmp280Filter;
  /** Normal mode: standby time between conversions, ms. */
  standby?: Bmp280Standby;
}

export interface Bmp280Options extends Bmp280Configuration {
  sensor: I2CBusSpec & { address?: number; hz?: number; timeout?: number };
}

export interface Bmp280Sample {
  barometer: { pressure: number };
  thermometer: { temperature: number };
}

/** The trimming coefficients, as named in the datasheet (Table 17). */
export interface Bmp280Calibration {
  T1: number;
  T2: number;
  T3: number;
  P1: number;
  P2: number;
  P3: number;
  P4: number;
  P5: number;
  P6: number;
  P7: number;
  P8: number;
  P9: number;
}

/** Decodes the 24 calibration bytes read from 0x88: dig_T1 and dig_P1 unsigned, the rest signed, little-endian. */
export function decodeBmp280Calibration(bytes: Uint8Array): Bmp280Calibration {
  const u16 = (i: number): number => bytes[i]! | (bytes[i + 1]! << 8);
  const s16 = (i: number): number => (u16(i) << 16) >> 16;
  return {
    T1: u16(0), T2: s16(2), T3: s16(4),
    P1: u16(6), P2: s16(8), P3: s16(10), P4: s16(12), P5: s16(14), P6: s16(16), P7: s16(18), P8: s16(20), P9: s16(22),
  };
}

/**
 * Datasheet §8.1, bmp280_compensate_T_double and bmp280_compensate_P_double:
 * writes °C to out[0], Pa to out[1] and t_fine to out[2]. Results go to an
 * array, not a returned object, so the sampling path allocates nothing.
 */
export function bmp280Compensate(c: Bmp280Calibration, adcT: number, adcP: number, out: Float64Array): void {
  let var1 = (adcT / 16384 - c.T1 / 1024) * c.T2;
  const d = adcT / 131072 - c.T1 / 8192;
  let var2 = d * d * c.T3;
  const fine = Math.trunc(var1 + var2);
  out[0] = (var1 + var2) / 5120;
  out[2] = fine;
  var1 = fine / 2 - 64000;
  var2 = (var1 * var1 * c.P6) / 32768;
  var2 = var2 + var1 * c.P5 * 2;
  var2 = var2 / 4 + c.P4 * 65536;
  var1 = ((c.P3 * var1 * var1) / 524288 + c.P2 * var1) / 524288;
  var1 = (1 + var1 / 32768) * c.P1;
  if (var1 === 0) {
    out[1] = 0; // the datasheet's guard against a division by zero
    return;
  }
  let p = 1048576 - adcP;
  p = ((p - var2 / 4096) * 6250) / var1;
  var1 = (c.P9 * p * p) / 2147483648;
  var2 = (p * c.P8) / 32768;
  out[1] = p + (var1 + var2 + c.P7) / 16;
}

/** Datasheet §3.8.1: maximum conversion time, ms. */
export function bmp280MeasurementMs(temperatureOversampling: number, pressureOversampling: number): number {
  return 1.25 + 2.3 * temperatureOversampling + 2.3 * pressureOversampling + 0.575;
}

/** After this many reads in a row without a result, the chip is assumed lost and the driver fails. */
export const BMP280_NOT_READY_LIMIT = 50;

export class BMP280 {
  #io: I2CIO | undefined;
  readonly #register = new Uint8Array(1);
  readonly #pair = new Uint8Array(2);
  readonly #burst = new Uint8Array(10);
  readonly #sample: Bmp280Sample = { barometer: { pressure: Number.NaN }, thermometer: { temperature: Number.NaN } };
  readonly #compensated = new Float64Array(3);
  readonly #calibration: Bmp280Calibration;
  #mode: "forced" | "normal" = "forced";
  #temperatureOversampling: Bmp280Oversampling = 2;
  #pressureOversampling: Bmp280Oversampling = 16;
  #filter: Bmp280Filter = 0;
  #standby: Bmp280Standby = 62.5;
  #pendingConfiguration = false;
  #notReady = 0;
  #rawTemperature = 0;
  #rawPressure = 0;

  constructor(options: Bmp280Options) {
    this.#apply(options);
    const io = new options.sensor.io({ hz: 400_000, address: BMP280_ADDRESS, ...options.sensor });
    this.#io = io;
    try {
      this.#readRegisters(io, Bmp280Register.ChipId, this.#register, "read chip id");
      const id = this.#register[0]!;
      if (id !== BMP280_CHIP_ID) {
        throw new SensorError("bus-error", `BMP280: unexpected chip id 0x${id.toString(16).padStart(2, "0")} (expected 0x58)`);
      }
      const bytes = new Uint8Array(24);
      this.#readRegisters(io, Bmp280Register.Calibration, bytes, "read calibration");
      const calibration = decodeBmp280Calibration(bytes);
      if (calibration.T1 === 0 || calibration.P1 === 0 || bytes.every((b) => b === 0xff)) {
        throw new SensorError("bus-error", "BMP280: calibration data is blank");
      }
      this.#calibration = calibration;
      this.#writeConfiguration(io);
    } catch (error) {
      this.close();
      throw error;
    }
  }

  /** The trimming coefficients read from this chip. */
  get calibration(): Readonly<Bmp280Calibration> {
    return this.#calibration;
  }

  /** Shortest time between two `sample()` calls in forced mode, ms. */
  get minimumInterval(): number {
    return Math.ceil(bmp280MeasurementMs(this.#temperatureOversampling, this.#pressureOversampling));
  }

  get rawTemperature(): number {
    return this.#rawTemperature;
  }

  get rawPressure(): number {
    return this.#rawPressure;
  }

  configure(options: Bmp280Configuration): void {
    this.#apply(options);
    this.#pendingConfiguration = true;
  }

  sample(): Bmp280Sample | undefined {
    const io = this.#io;
    if (io === undefined) throw new Error("closed");
    if (this.#pendingConfiguration) {
      this.#writeConfiguration(io);
      return undefined;
    }
    const burst = this.#burst;
    this.#readRegisters(io, Bmp280Register.Status, burst, "read result");
    const forced = this.#mode === "forced";
    const adcP = (burst[4]! << 12) | (burst[5]! << 4) | (burst[6]! >> 4);
    const adcT = (burst[7]! << 12) | (burst[8]! << 4) | (burst[9]! >> 4);
    if ((forced && burst[0]! & BMP280_STATUS_MEASURING) || adcT === BMP280_NO_RESULT || adcP === BMP280_NO_RESULT) {
      if (++this.#notReady >= BMP280_NOT_READY_LIMIT) throw new SensorError("bus-error", `BMP280: no result after ${this.#notReady} reads`);
      return undefined;
    }
    this.#notReady = 0;
    this.#rawTemperature = adcT;
    this.#rawPressure = adcP;
    const out = this.#compensated;
    bmp280Compensate(this.#calibration, adcT, adcP, out);
    this.#sample.thermometer.temperature = out[0]!;
    this.#sample.barometer.pressure = out[1]!;
    if (forced) this.#writeRegister(io, Bmp280Register.ControlMeasurement, this.#controlWord(1), "start conversion");
    return this.#sample;
  }

  close(): void {
    this.#io?.close();
    this.#io = undefined;
  }

  /** Sleep mode first: the chip may ignore writes to config outside it (datasheet §5.4.6). */
  #writeConfiguration(io: I2CIO): void {
    this.#writeRegister(io, Bmp280Register.ControlMeasurement, this.#controlWord(0), "sleep");
    const config = (STANDBY_CODE[String(this.#standby)]! << 5) | (FILTER_CODE[this.#filter]! << 2);
    this.#writeRegister(io, Bmp280Register.Config, config, "write config");
    this.#writeRegister(io, Bmp280Register.ControlMeasurement, this.#controlWord(this.#mode === "forced" ? 1 : 3), "start conversion");
    this.#pendingConfiguration = false;
    this.#notReady = 0;
  }

  #controlWord(mode: number): number {
    return (OVERSAMPLING_CODE[this.#temperatureOversampling]! << 5) | (OVERSAMPLING_CODE[this.#pressureOversampling]! << 2) | mode;
  }

  #readRegisters(io: I2CIO, register: number, target: Uint8Array, what: string): void {
    this.#register[0] = register;
    try {
      io.write(this.#register);
      io.read(target);
    } catch (error) {
      throw i2cFailure(io, `BMP280 ${what}`, error);
    }
  }

  #writeRegister(io: I2CIO, register: number, value: number, what: string): void {
    const pair = this.#pair;
    pair[0] = register;
    pair[1] = value;
    try {
      io.write(pair);
    } catch (error) {
      throw i2cFailure(io, `BMP280 ${what}`, error);
    }
  }

  #apply(options: Bmp280Configuration): void {
    const { mode, temperatureOversampling, pressureOversampling, filter, standby } = options;
    if (mode !== undefined) {
      if (mode !== "forced" && mode !== "normal") throw new RangeError(`invalid mode ${String(mode)}`);
      this.#mode = mode;
    }
    if (temperatureOversampling !== undefined) {
      if (OVERSAMPLING_CODE[temperatureOversampling] === undefined) throw new RangeError(`invalid temperatureOversampling ${String(temperatureOversampling)}`);
      this.#temperatureOversampling = temperatureOversampling;
    }
    if (pressureOversampling !== undefined) {
      if (OVERSAMPLING_CODE[pressureOversampling] === undefined) throw new RangeError(`invalid pressureOversampling ${String(pressureOversampling)}`);
      this.#pressureOversampling = pressureOversampling;
    }
    if (filter !== undefined) {
      if (FILTER_CODE[filter] === undefined) throw new RangeError(`invalid filter ${String(filter)}`);
      this.#filter = filter;
    }
    if (standby !== undefined) {
      if (STANDBY_CODE[String(standby)] === undefined) throw new RangeError(`invalid standby ${String(standby)}`);
      this.#standby = standby;
    }
  }
}
