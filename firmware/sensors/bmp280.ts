/**
 * Bosch BMP280 pressure and temperature sensor on I2C, in the ECMA-419 sensor
 * class style (bus in `options.sensor`, `configure()`, `sample()`, `close()`),
 * never blocking.
 *
 * The constructor identifies the chip (register 0xD0: 0x58, or 0x56/0x57 on
 * early samples; anything else is a "wrong-device" fault naming the id read)
 * and soft-resets it (0xE0 ← 0xB6). Then, on a timer: after the 2 ms start-up
 * time it polls the status register until `im_update` (bit 0) clears, the
 * chip having copied its trimming coefficients from NVM, reads those 24 bytes
 * (0x88–0x9F, little-endian dig_T1 … dig_P9) and writes the measurement
 * configuration; `sample()` answers "not ready" until then. In forced mode
 * (the default) each `sample()` reads the conversion the previous call
 * started and starts the next one, and the result is stamped with the time
 * that conversion started (`sample.time`); a conversion still running (status
 * bit `measuring`) is "not ready". In normal mode the chip converts on its own
 * and `sample()` reads the latest result. Status and both results come in one
 * 10-byte burst from 0xF3, so a sample is one write and one read. `close()`
 * puts the chip to sleep (ctrl_meas mode 00).
 *
 * Compensation is the datasheet's double-precision formula (BST-BMP280-DS001
 * §8.1); pressure in Pa, temperature in °C, as the ECMA-419 Barometer and
 * Thermometer classes report them. The returned sample object is reused.
 */
import { atLeastMs, type Clock, type TimerId, type TimerService } from "../host/timer";
import { i2cFailure } from "./bus";
import type { I2CBusSpec, I2CIO } from "./io";
import { SensorError } from "./quality";

export const BMP280_ADDRESS = 0x76;
export const BMP280_ALTERNATE_ADDRESS = 0x77;
export const BMP280_CHIP_ID = 0x58;
/** Ids a BMP280 answers with: engineering samples 0x56 and 0x57, production parts 0x58 (Bosch's driver accepts all three). */
export const BMP280_CHIP_IDS: readonly number[] = [0x56, 0x57, BMP280_CHIP_ID];
/** What other Bosch chips at these addresses answer, to name them in the fault. */
const OTHER_CHIPS: Readonly<Record<number, string>> = { 0x55: "a BMP180 or BMP085", 0x60: "a BME280", 0x61: "a BME680", 0x50: "a BMP388", 0x51: "a BMP390" };
/** Time to the first transfer after a (soft) reset, ms (datasheet Table 2, t_startup). */
export const BMP280_STARTUP_MS = 2;
/** Status polls for the NVM copy (im_update) to end before the driver gives up. */
export const BMP280_NVM_POLLS = 10;

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
  /** Moddable's timer: the start-up wait and the NVM polls. */
  timer: TimerService;
  /** The host clock: when each conversion starts. */
  clock: Clock;
}

export interface Bmp280Sample {
  barometer: { pressure: number };
  thermometer: { temperature: number };
  /** Host ticks when the conversion behind this sample started (forced mode), or when it was read (normal mode). */
  time: number;
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

/** Shortest sampling interval in forced mode, ms: the conversion a sample starts must be over at the next. */
export function bmp280MinimumInterval(temperatureOversampling: number, pressureOversampling: number): number {
  return Math.ceil(bmp280MeasurementMs(temperatureOversampling, pressureOversampling));
}

function hex2(value: number): string {
  return value.toString(16).padStart(2, "0");
}

/** After this many reads in a row without a result, the chip is assumed lost and the driver fails. */
export const BMP280_NOT_READY_LIMIT = 50;

export class BMP280 {
  #io: I2CIO | undefined;
  readonly #timer: TimerService;
  readonly #clock: Clock;
  readonly #timerId: TimerId;
  readonly #register = new Uint8Array(1);
  readonly #pair = new Uint8Array(2);
  readonly #burst = new Uint8Array(10);
  readonly #sample: Bmp280Sample = { barometer: { pressure: Number.NaN }, thermometer: { temperature: Number.NaN }, time: -1 };
  readonly #compensated = new Float64Array(3);
  #calibration: Bmp280Calibration | undefined;
  #mode: "forced" | "normal" = "forced";
  #temperatureOversampling: Bmp280Oversampling = 2;
  #pressureOversampling: Bmp280Oversampling = 16;
  #filter: Bmp280Filter = 0;
  #standby: Bmp280Standby = 62.5;
  #pendingConfiguration = false;
  #closed = false;
  #polls = 0;
  /** A failure found on the timer, thrown by the next sample(). */
  #failure: unknown;
  #notReady = 0;
  #rawTemperature = 0;
  #rawPressure = 0;
  /** Ticks when the forced conversion in flight was started. */
  #startedAt = -1;

  constructor(options: Bmp280Options) {
    this.#apply(options);
    this.#timer = options.timer;
    this.#clock = options.clock;
    const address = options.sensor.address ?? BMP280_ADDRESS;
    const io = new options.sensor.io({ hz: 400_000, address: BMP280_ADDRESS, ...options.sensor });
    this.#io = io;
    try {
      this.#readRegisters(io, Bmp280Register.ChipId, this.#register, "read chip id");
      const id = this.#register[0]!;
      if (!BMP280_CHIP_IDS.includes(id)) {
        const other = OTHER_CHIPS[id];
        throw new SensorError(
          "wrong-device",
          `BMP280 at 0x${hex2(address)}: chip id 0x${hex2(id)}${other === undefined ? "" : ` is ${other}`}, expected a BMP280 (0x58)`,
        );
      }
      this.#writeRegister(io, Bmp280Register.Reset, BMP280_RESET_WORD, "soft reset");
    } catch (error) {
      this.#closed = true;
      this.#io = undefined;
      io.close();
      throw error;
    }
    this.#timerId = this.#timer.set(() => this.#starting(), atLeastMs(BMP280_STARTUP_MS));
  }

  /** The trimming coefficients read from this chip; undefined until the chip has been set up. */
  get calibration(): Readonly<Bmp280Calibration> | undefined {
    return this.#calibration;
  }

  /** Shortest time between two `sample()` calls in forced mode, ms. */
  get minimumInterval(): number {
    return bmp280MinimumInterval(this.#temperatureOversampling, this.#pressureOversampling);
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
    if (io === undefined || this.#closed) throw new Error("closed");
    const failure = this.#failure;
    if (failure !== undefined) {
      this.#failure = undefined;
      throw failure;
    }
    const calibration = this.#calibration;
    if (calibration === undefined) return undefined; // still starting up
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
    bmp280Compensate(calibration, adcT, adcP, out);
    const sample = this.#sample;
    sample.thermometer.temperature = out[0]!;
    sample.barometer.pressure = out[1]!;
    sample.time = forced ? this.#startedAt : this.#clock.ticks();
    if (forced) this.#startConversion(io);
    return sample;
  }

  /** Puts the chip to sleep (ctrl_meas mode 00) and releases the bus. Idempotent. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#failure = undefined;
    this.#timer.clear(this.#timerId);
    const io = this.#io;
    this.#io = undefined;
    if (io === undefined) return;
    try {
      this.#writeRegister(io, Bmp280Register.ControlMeasurement, this.#controlWord(0), "sleep");
    } catch {
      // A chip that no longer answers cannot be put to sleep; the bus is released anyway.
    }
    io.close();
  }

  /** Timer: waits out the start-up and the NVM copy, then reads the coefficients and configures the chip. */
  #starting(): void {
    const io = this.#io;
    if (io === undefined || this.#closed) return;
    let unreachable: unknown;
    try {
      // Not answered during start-up: a failed read here is retried like a set im_update bit.
      this.#readRegisters(io, Bmp280Register.Status, this.#register, "start-up");
    } catch (error) {
      unreachable = error;
    }
    if (unreachable === undefined && !(this.#register[0]! & BMP280_STATUS_IM_UPDATE)) {
      try {
        this.#setUp(io);
      } catch (error) {
        this.#fail(error);
        return;
      }
      this.#timer.schedule(this.#timerId);
      return;
    }
    if (++this.#polls < BMP280_NVM_POLLS) {
      this.#timer.schedule(this.#timerId, atLeastMs(1));
      return;
    }
    this.#fail(unreachable ?? new SensorError("bus-error", `BMP280: NVM copy (im_update) still running after ${BMP280_NVM_POLLS} status reads`));
  }

  #setUp(io: I2CIO): void {
    const bytes = new Uint8Array(24);
    this.#readRegisters(io, Bmp280Register.Calibration, bytes, "read calibration");
    const calibration = decodeBmp280Calibration(bytes);
    if (calibration.T1 === 0 || calibration.P1 === 0 || bytes.every((b) => b === 0xff)) {
      throw new SensorError("bus-error", "BMP280: calibration data is blank");
    }
    this.#writeConfiguration(io);
    this.#calibration = calibration;
  }

  #fail(error: unknown): void {
    this.#failure = error;
    this.#timer.schedule(this.#timerId);
  }

  /** Sleep mode first: the chip may ignore writes to config outside it (datasheet §5.4.6). */
  #writeConfiguration(io: I2CIO): void {
    this.#writeRegister(io, Bmp280Register.ControlMeasurement, this.#controlWord(0), "sleep");
    const config = (STANDBY_CODE[String(this.#standby)]! << 5) | (FILTER_CODE[this.#filter]! << 2);
    this.#writeRegister(io, Bmp280Register.Config, config, "write config");
    this.#pendingConfiguration = false;
    this.#notReady = 0;
    if (this.#mode === "forced") this.#startConversion(io);
    else this.#writeRegister(io, Bmp280Register.ControlMeasurement, this.#controlWord(3), "start normal mode");
  }

  #startConversion(io: I2CIO): void {
    this.#writeRegister(io, Bmp280Register.ControlMeasurement, this.#controlWord(1), "start conversion");
    this.#startedAt = this.#clock.ticks();
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
