/**
 * A Bosch BMP280 on the simulated I2C bus (datasheet BST-BMP280-DS001): its
 * register file, answered byte for byte. Writes are (register, value) pairs;
 * a write of just a register sets the read pointer, and reads auto-increment.
 * Registers: calibration 0x88–0x9F (this chip's trimming coefficients), id
 * 0xD0 = 0x58, reset 0xE0 (0xB6), status 0xF3 (measuring, im_update),
 * ctrl_meas 0xF4, config 0xF5, results 0xF7–0xFC (20-bit, reset value 0x80000).
 *
 * Conversions: forced mode converts once then returns to sleep; normal mode
 * converts every t_measure + t_standby. A conversion takes the datasheet's
 * maximum t_measure (1.25 + 2.3·osrs_t + 2.3·osrs_p + 0.575 ms) times the
 * `slow` fault factor, with `measuring` set meanwhile. The raw results are
 * what the chip's ADC would read for the simulated temperature and pressure
 * (the compensation formula inverted with this chip's coefficients); the IIR
 * filter of the config register is applied as the datasheet describes.
 *
 * Reset (0xB6 to 0xE0, or a power cycle): the chip does not answer for its
 * 2 ms start-up time, then copies its trimming coefficients from NVM to the
 * image registers 0x88–0x9F for another 2 ms, with status bit 0 (im_update)
 * set and those registers reading 0 until the copy is done. At construction
 * the chip has long been powered: the coefficients are in place. (The
 * datasheet also sets im_update briefly before each conversion; not
 * modelled.)
 *
 * Faults: nack refuses every data byte after the address; disconnect takes
 * the chip off the bus; stuck freezes the result registers; slow stretches
 * conversions and the NVM copy. (The BMP280 has no checksums, so crc does
 * nothing.)
 */
import type { ChipClock, ChipFaults, I2CTarget, WriteResult } from "./i2c-bus";
import { noFaults } from "./i2c-bus";
import type { Signal } from "./signal";

/** Coefficients of the datasheet's worked example (§3.12, Table 16). */
export const DATASHEET_CALIBRATION = {
  T1: 27504, T2: 26435, T3: -1000,
  P1: 36477, P2: -10685, P3: 3024, P4: 2855, P5: 140, P6: -7, P7: 15500, P8: -14600, P9: 6000,
} as const;

export type Bmp280Coefficients = { -readonly [K in keyof typeof DATASHEET_CALIBRATION]: number };

const OSR = [0, 1, 2, 4, 8, 16, 16, 16];
const STANDBY_MS = [0.5, 62.5, 125, 250, 500, 1000, 2000, 4000];
const FILTER = [1, 2, 4, 8, 16, 16, 16, 16];
const NO_RESULT = 0x80000;
/** Datasheet Table 2, t_startup: no transfer is answered for this long after a reset, ms. */
const STARTUP_MS = 2;
/** The NVM copy that follows (im_update set), ms; the datasheet gives no figure. */
const NVM_COPY_MS = 2;

export interface Bmp280ModelOptions {
  clock: ChipClock;
  /** °C */
  temperature: Signal;
  /** Pa */
  pressure: Signal;
  address?: number;
  calibration?: Bmp280Coefficients;
  chipId?: number;
}

export interface Bmp280WriteLog {
  at: number;
  register: number;
  value: number;
}

export class Bmp280Model implements I2CTarget {
  readonly address: number;
  readonly faults: ChipFaults = noFaults();
  readonly calibration: Bmp280Coefficients;
  /** Every register write the chip received, newest last (bounded). */
  readonly writes: Bmp280WriteLog[] = [];
  readonly #clock: ChipClock;
  readonly #temperature: Signal;
  readonly #pressure: Signal;
  readonly #chipId: number;
  readonly #registers = new Uint8Array(256);
  #pointer = 0;
  /** Forced conversion in progress: when it ends and when it started. */
  #conversion: { start: number; end: number } | undefined;
  /** Normal mode: when the cycle started. */
  #normalSince = -1;
  #normalDone = -1;
  #filtered: { t: number; p: number } | undefined;
  #silentUntil = 0;
  /** While set, the NVM copy runs until this time. */
  #nvmUntil: number | undefined;

  constructor(options: Bmp280ModelOptions) {
    this.address = options.address ?? 0x76;
    this.#clock = options.clock;
    this.#temperature = options.temperature;
    this.#pressure = options.pressure;
    this.#chipId = options.chipId ?? 0x58;
    this.calibration = { ...(options.calibration ?? DATASHEET_CALIBRATION) };
    this.#powerOnReset(0);
    this.#silentUntil = 0;
    this.#nvmUntil = undefined;
    this.#copyNvm();
  }

  setFault<K extends keyof ChipFaults>(name: K, value: ChipFaults[K]): void {
    this.faults[name] = value;
  }

  /** The register as the chip holds it now (after bringing conversions up to date). */
  register(address: number): number {
    this.#advance(this.#clock.now());
    return this.#registers[address]!;
  }

  powerCycle(): void {
    this.#powerOnReset(this.#clock.now());
  }

  write(data: Uint8Array): WriteResult {
    const now = this.#clock.now();
    if (this.faults.disconnect || now < this.#silentUntil) return "nack-address";
    if (data.length === 0) return "ack";
    if (this.faults.nack) return "nack-data";
    this.#advance(now);
    this.#pointer = data[0]!;
    for (let i = 0; i + 1 < data.length; i += 2) {
      this.writes.push({ at: now, register: data[i]!, value: data[i + 1]! });
      if (this.writes.length > 256) this.writes.splice(0, 128);
      this.#writeRegister(data[i]!, data[i + 1]!, now);
    }
    return "ack";
  }

  read(target: Uint8Array): boolean {
    const now = this.#clock.now();
    if (this.faults.disconnect || now < this.#silentUntil) return false;
    this.#advance(now);
    for (let i = 0; i < target.length; i++) target[i] = this.#registers[(this.#pointer + i) & 0xff]!;
    this.#pointer = (this.#pointer + target.length) & 0xff;
    return true;
  }

  #writeRegister(register: number, value: number, now: number): void {
    switch (register) {
      case 0xe0:
        if (value === 0xb6) this.#powerOnReset(now);
        return;
      case 0xf4: {
        this.#registers[0xf4] = value;
        const mode = value & 3;
        this.#conversion = undefined;
        this.#normalSince = -1;
        if (mode === 1 || mode === 2) this.#conversion = { start: now, end: now + this.#measurementMs() };
        else if (mode === 3) {
          this.#normalSince = now;
          this.#normalDone = -1;
        }
        this.#updateStatus(now);
        return;
      }
      case 0xf5:
        // Writes to config may be ignored in normal mode (datasheet §5.4.6).
        if ((this.#registers[0xf4]! & 3) !== 3) this.#registers[0xf5] = value & 0xfd;
        return;
      default:
        return; // read-only or reserved
    }
  }

  #measurementMs(): number {
    const ctrl = this.#registers[0xf4]!;
    const t = OSR[(ctrl >> 5) & 7]!;
    const p = OSR[(ctrl >> 2) & 7]!;
    return (1.25 + 2.3 * t + (p > 0 ? 2.3 * p + 0.575 : 0)) * this.faults.slow;
  }

  /** Completes whatever conversion (or NVM copy) ended by `now`. */
  #advance(now: number): void {
    if (this.#nvmUntil !== undefined && now >= this.#nvmUntil) {
      this.#nvmUntil = undefined;
      this.#copyNvm();
    }
    const conversion = this.#conversion;
    if (conversion !== undefined && now >= conversion.end) {
      this.#conversion = undefined;
      this.#registers[0xf4] = this.#registers[0xf4]! & 0xfc; // back to sleep
      this.#storeResult(conversion.start);
    }
    if (this.#normalSince >= 0) {
      const measure = this.#measurementMs();
      const cycle = measure + STANDBY_MS[(this.#registers[0xf5]! >> 5) & 7]!;
      const done = Math.floor((now - this.#normalSince - measure) / cycle);
      if (done >= 0 && done > this.#normalDone) {
        this.#normalDone = done;
        this.#storeResult(this.#normalSince + done * cycle);
      }
    }
    this.#updateStatus(now);
  }

  #updateStatus(now: number): void {
    let measuring = this.#conversion !== undefined && now < this.#conversion.end;
    if (this.#normalSince >= 0) {
      const measure = this.#measurementMs();
      const cycle = measure + STANDBY_MS[(this.#registers[0xf5]! >> 5) & 7]!;
      measuring = (now - this.#normalSince) % cycle < measure;
    }
    this.#registers[0xf3] = (measuring ? 0x08 : 0x00) | (this.#nvmUntil !== undefined ? 0x01 : 0x00);
  }

  #storeResult(at: number): void {
    if (this.faults.stuck) return;
    const ctrl = this.#registers[0xf4]!;
    const tSkipped = ((ctrl >> 5) & 7) === 0;
    const pSkipped = ((ctrl >> 2) & 7) === 0;
    let adcT = adcForTemperature(this.calibration, this.#temperature.at(at));
    let adcP = adcForPressure(this.calibration, fineFor(this.calibration, adcT), this.#pressure.at(at));
    const coefficient = FILTER[(this.#registers[0xf5]! >> 2) & 7]!;
    if (coefficient > 1 && this.#filtered !== undefined) {
      adcT = Math.round((this.#filtered.t * (coefficient - 1) + adcT) / coefficient);
      adcP = Math.round((this.#filtered.p * (coefficient - 1) + adcP) / coefficient);
    }
    this.#filtered = { t: adcT, p: adcP };
    this.#put20(0xfa, tSkipped ? NO_RESULT : adcT);
    this.#put20(0xf7, pSkipped ? NO_RESULT : adcP);
  }

  #put20(register: number, value: number): void {
    this.#registers[register] = (value >> 12) & 0xff;
    this.#registers[register + 1] = (value >> 4) & 0xff;
    this.#registers[register + 2] = (value & 0x0f) << 4;
  }

  /** Everything back to its reset value; the coefficients arrive after start-up and the NVM copy. */
  #powerOnReset(now: number): void {
    const r = this.#registers;
    r.fill(0);
    r[0xd0] = this.#chipId;
    this.#put20(0xf7, NO_RESULT);
    this.#put20(0xfa, NO_RESULT);
    this.#conversion = undefined;
    this.#normalSince = -1;
    this.#filtered = undefined;
    this.#silentUntil = now + STARTUP_MS;
    this.#nvmUntil = now + STARTUP_MS + NVM_COPY_MS * this.faults.slow;
  }

  #copyNvm(): void {
    const r = this.#registers;
    const c = this.calibration;
    const words = [c.T1, c.T2, c.T3, c.P1, c.P2, c.P3, c.P4, c.P5, c.P6, c.P7, c.P8, c.P9];
    words.forEach((word, i) => {
      r[0x88 + 2 * i] = word & 0xff;
      r[0x89 + 2 * i] = (word >> 8) & 0xff;
    });
  }
}

// The datasheet's double-precision compensation, and its inverse by bisection
// (temperature rises with adc_T; pressure falls with adc_P).

function temperatureOf(c: Bmp280Coefficients, adcT: number): number {
  const var1 = (adcT / 16384 - c.T1 / 1024) * c.T2;
  const d = adcT / 131072 - c.T1 / 8192;
  return (var1 + d * d * c.T3) / 5120;
}

function fineFor(c: Bmp280Coefficients, adcT: number): number {
  return Math.trunc(temperatureOf(c, adcT) * 5120);
}

function pressureOf(c: Bmp280Coefficients, fine: number, adcP: number): number {
  let var1 = fine / 2 - 64000;
  let var2 = (var1 * var1 * c.P6) / 32768;
  var2 = var2 + var1 * c.P5 * 2;
  var2 = var2 / 4 + c.P4 * 65536;
  var1 = ((c.P3 * var1 * var1) / 524288 + c.P2 * var1) / 524288;
  var1 = (1 + var1 / 32768) * c.P1;
  if (var1 === 0) return 0;
  let p = 1048576 - adcP;
  p = ((p - var2 / 4096) * 6250) / var1;
  var1 = (c.P9 * p * p) / 2147483648;
  var2 = (p * c.P8) / 32768;
  return p + (var1 + var2 + c.P7) / 16;
}

export function adcForTemperature(c: Bmp280Coefficients, celsius: number): number {
  let lo = 0;
  let hi = 0xfffff;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (temperatureOf(c, mid) < celsius) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

export function adcForPressure(c: Bmp280Coefficients, fine: number, pascal: number): number {
  let lo = 0;
  let hi = 0xfffff;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (pressureOf(c, fine, mid) > pascal) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
