/**
 * Sensirion SHT3x (SHT30/31/35) temperature and humidity sensor on I2C, in the
 * ECMA-419 sensor class style: the bus comes in the options (`sensor.io`),
 * `configure()`, `sample()`, `close()`; buffers are allocated once.
 *
 * Unlike Moddable's driver (modules/drivers/sensors/sht3x), it never blocks.
 * The chip needs time between commands (datasheet "SHT3x-DIS" §4: at least
 * 1 ms idle between two commands, 1 ms after a Break, 1.5 ms for a soft
 * reset); command sequences therefore run on a one-shot timer, one command per
 * tick, and `sample()` answers "not ready" (undefined) until they are done:
 *
 * - the constructor sends Break (stops a periodic mode a previous run may
 *   have left on, and fails at once on a missing chip); then, on the timer:
 *   soft reset, status (must show the reset), clear status, heater, start;
 * - single-shot (clock stretching off, command 0x24xx): each `sample()` reads
 *   the conversion the previous one started and starts the next, so calls
 *   must be at least the conversion time apart (15 ms at high
 *   repeatability; `sht3xMinimumInterval`). A result is stamped with the
 *   time its conversion was started (`sample.time`);
 * - periodic: each `sample()` sends Fetch Data (0xE000) and reads; the chip
 *   refuses the read when it has nothing new since the last fetch.
 *
 * The status register is acted on: a conversion that never arrives while the
 * chip is idle, or a Fetch Data the chip refuses, leads to a status read. A
 * reset the driver did not ask for (bit 4: power glitch) re-applies the
 * configuration (clear status, heater, mode) without a fault; a command the
 * chip did not process (bit 1) is a bus error, which the sampling loop counts
 * and retries. `close()` leaves the chip idle with its heater off (Break, then
 * heater off), on the timer, and releases the bus after that.
 *
 * Both words of a result carry a CRC-8 that is checked; a mismatch throws a
 * "crc-error" SensorError. The returned sample object is reused by every
 * call, and "not ready" allocates nothing.
 */
import { atLeastMs, type Clock, type TimerId, type TimerService } from "../host/timer";
import { i2cFailure, i2cPresent } from "./bus";
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

/** Shortest wait between two commands, ms (datasheet §4.3: the "SCL free" block after a command). */
export const SHT3X_IDLE_MS = 1;
/** The chip is back from a soft reset after this, ms (datasheet Table 4, t_SR max). */
export const SHT3X_SOFT_RESET_MS = 1.5;
/** A Break takes this long, ms (datasheet §4.8). */
export const SHT3X_BREAK_MS = 1;

/** Status register bits (datasheet Table 18). */
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
/** A command the chip refuses while it still answers its address (busy) is tried this many more times, a command gap apart. */
export const SHT3X_COMMAND_RETRIES = 10;

export interface Sht3xConfiguration {
  mode?: Sht3xMode;
  repeatability?: Sht3xRepeatability;
  /** Periodic mode only. */
  rate?: Sht3xRate;
  heater?: boolean;
}

export interface Sht3xOptions extends Sht3xConfiguration {
  sensor: I2CBusSpec & { address?: number; hz?: number; timeout?: number };
  /** Moddable's timer: the waits between commands. */
  timer: TimerService;
  /** The host clock: when each conversion starts. */
  clock: Clock;
}

export interface Sht3xSample {
  thermometer: { temperature: number };
  hygrometer: { humidity: number };
  /**
   * Host ticks when the measurement behind this sample started: the
   * single-shot command's time, or the Fetch Data time in periodic mode
   * (the chip does not say when within its period it measured).
   */
  time: number;
}

/** Datasheet §4.13: T = −45 + 175 · S_T / (2^16 − 1) °C. */
export function sht3xTemperature(raw: number): number {
  return -45 + (175 * raw) / 65535;
}

/** Datasheet §4.13: RH = 100 · S_RH / (2^16 − 1) %. */
export function sht3xHumidity(raw: number): number {
  return (100 * raw) / 65535;
}

/**
 * Shortest sampling interval for a configuration, ms: a single-shot
 * conversion must be over before the next sample reads it; in periodic mode
 * the chip has nothing new more often than its rate.
 */
export function sht3xMinimumInterval(mode: Sht3xMode, repeatability: Sht3xRepeatability, rate: Sht3xRate): number {
  return mode === "single-shot" ? SHT3X_MEASUREMENT_MS[repeatability] : Math.ceil(1000 / rate);
}

const GAP = atLeastMs(SHT3X_IDLE_MS);
const AFTER_BREAK = atLeastMs(SHT3X_BREAK_MS);
const AFTER_RESET = atLeastMs(SHT3X_SOFT_RESET_MS);

const REPEATABILITY_INDEX: Readonly<Record<Sht3xRepeatability, number>> = { high: 0, medium: 1, low: 2 };
const SINGLE_SHOT: readonly number[] = [Sht3xCommand.SingleShotHigh, Sht3xCommand.SingleShotMedium, Sht3xCommand.SingleShotLow];

// Steps of the command sequences the timer runs.
const BREAK = 0;
const RESET = 1;
/** Read status after our own soft reset: it must show the reset. */
const STATUS_AFTER_RESET = 2;
/** Read status to find out why the chip stopped delivering; chooses what follows. */
const STATUS_CHECK = 3;
const CLEAR = 4;
const HEATER = 5;
const START = 6;
const HEATER_OFF = 7;
const RELEASE = 8;

const SETUP: readonly number[] = [BREAK, RESET, STATUS_AFTER_RESET, CLEAR, HEATER, START];
const REAPPLY: readonly number[] = [CLEAR, HEATER, START];
const RESTART: readonly number[] = [START];
const INVESTIGATE: readonly number[] = [BREAK, STATUS_CHECK];
const SHUTDOWN: readonly number[] = [BREAK, HEATER_OFF, RELEASE];
const STEP_NAMES = ["break", "soft reset", "read status", "read status", "clear status", "heater", "start measurement", "heater off", "release"];

export class SHT3x {
  #io: I2CIO | undefined;
  readonly #timer: TimerService;
  readonly #clock: Clock;
  readonly #tick: () => void;
  readonly #timerId: TimerId;
  readonly #command = new Uint8Array(2);
  readonly #result = new Uint8Array(6);
  readonly #statusBytes = new Uint8Array(3);
  readonly #sample: Sht3xSample = { thermometer: { temperature: Number.NaN }, hygrometer: { humidity: Number.NaN }, time: -1 };
  #mode: Sht3xMode = "single-shot";
  #repeatability: Sht3xRepeatability = "high";
  #rate: Sht3xRate = 1;
  #heater = false;
  #closed = false;
  /** The command sequence the timer is running, undefined when none. */
  #script: readonly number[] | undefined;
  #step = 0;
  #retries = 0;
  /** A failure found on the timer, thrown by the next sample(). */
  #failure: unknown;
  #notReady = 0;
  #status = 0;
  #resets = 0;
  #rawTemperature = 0;
  #rawHumidity = 0;
  /** Ticks of the last command sent. */
  #lastCommandAt = 0;
  /** Ticks when the conversion in flight (or the periodic mode) started. */
  #startedAt = -1;
  /** A single-shot conversion has been started and not yet read. */
  #converting = false;
  /** Its status has been checked since (once per conversion). */
  #checked = false;
  /** The last refused transfer's error, for the fault it may turn into. */
  #ioError: unknown;

  constructor(options: Sht3xOptions) {
    this.#apply(options);
    this.#timer = options.timer;
    this.#clock = options.clock;
    this.#tick = () => this.#runStep();
    const io = new options.sensor.io({ hz: 400_000, address: SHT3X_ADDRESS, ...options.sensor });
    this.#io = io;
    let first = 1;
    let delay = AFTER_BREAK;
    try {
      this.#send(Sht3xCommand.Break);
    } catch (error) {
      if (!i2cPresent(io)) {
        const failure = i2cFailure(io, "SHT3x break", error);
        io.close();
        this.#io = undefined;
        this.#closed = true;
        throw failure;
      }
      // The address answers but the command is refused: the chip is busy (a conversion a previous run started).
      first = 0;
      delay = GAP;
    }
    this.#script = SETUP;
    this.#step = first;
    this.#timerId = this.#timer.set(this.#tick, delay);
  }

  /** Changes mode, repeatability, rate or heater: Break, soft reset and setup again, on the timer. */
  configure(options: Sht3xConfiguration): void {
    this.#apply(options);
    if (!this.#closed) this.#run(SETUP);
  }

  /** Shortest time between two `sample()` calls the current configuration allows, ms. */
  get minimumInterval(): number {
    return sht3xMinimumInterval(this.#mode, this.#repeatability, this.#rate);
  }

  /** The status register as last read. */
  get status(): number {
    return this.#status;
  }

  /** Resets of the chip the driver did not ask for (seen in the status register), each followed by a new setup. */
  get unexpectedResets(): number {
    return this.#resets;
  }

  /** True while a command sequence (setup, recovery, shutdown) is running on the timer. */
  get busy(): boolean {
    return this.#script !== undefined;
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
    if (io === undefined || this.#closed) throw new Error("closed");
    const failure = this.#failure;
    if (failure !== undefined) {
      this.#failure = undefined;
      throw failure;
    }
    if (this.#script !== undefined) return undefined;
    return this.#mode === "single-shot" ? this.#singleShot(io) : this.#fetch(io);
  }

  /** Stops the chip (Break, heater off) once it is free to listen, then releases the bus. Idempotent. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#failure = undefined;
    if (this.#io === undefined) return;
    this.#run(SHUTDOWN);
  }

  #singleShot(io: I2CIO): Sht3xSample | undefined {
    if (!this.#tryRead(io, this.#result)) return this.#noResult(io);
    this.#converting = false;
    const sample = this.#convert(this.#startedAt);
    try {
      this.#start();
    } catch (error) {
      throw i2cFailure(io, "SHT3x start measurement", error);
    }
    return sample;
  }

  #fetch(io: I2CIO): Sht3xSample | undefined {
    if (!this.#trySend(Sht3xCommand.FetchData)) {
      if (!i2cPresent(io)) throw i2cFailure(io, "SHT3x fetch data", this.#ioError);
      // A chip in periodic mode takes Fetch Data at any time: it has left periodic mode. Find out why.
      this.#run(INVESTIGATE);
      return undefined;
    }
    if (!this.#tryRead(io, this.#result)) return this.#noResult(io);
    return this.#convert(this.#lastCommandAt);
  }

  /**
   * A refused read header while the address answers is "no result yet".
   * Allocation-free: the probe is a zero-length write into a shared buffer.
   */
  #noResult(io: I2CIO): undefined {
    if (!i2cPresent(io)) throw i2cFailure(io, "SHT3x read result", this.#ioError);
    if (++this.#notReady >= SHT3X_NOT_READY_LIMIT) {
      throw new SensorError("bus-error", `SHT3x: no result after ${this.#notReady} reads`);
    }
    if (this.#converting && !this.#checked && this.#clock.ticks() - this.#startedAt >= SHT3X_MEASUREMENT_MS[this.#repeatability]) {
      this.#checked = true;
      this.#checkLostConversion(io);
    }
    return undefined;
  }

  /**
   * The conversion is overdue. A chip still converting refuses the status
   * command (not ready); an idle one says why it has no result.
   */
  #checkLostConversion(io: I2CIO): void {
    if (!this.#trySend(Sht3xCommand.ReadStatus)) {
      if (!i2cPresent(io)) throw i2cFailure(io, "SHT3x read status", this.#ioError);
      return;
    }
    this.#readStatus(io);
    this.#converting = false;
    this.#run(this.#afterStatus());
  }

  /** What follows a status read that was not expected to show a reset. */
  #afterStatus(): readonly number[] {
    const status = this.#status;
    if (status & Sht3xStatus.ResetDetected) {
      this.#resets++;
      return REAPPLY;
    }
    if (status & Sht3xStatus.CommandFailed) {
      throw new SensorError("bus-error", `SHT3x: last command not processed (status 0x${hex4(status)})`);
    }
    return RESTART;
  }

  #convert(time: number): Sht3xSample {
    const data = this.#result;
    if (crc8(data, 0, 2) !== data[2]) throw new SensorError("crc-error", "SHT3x temperature word: CRC mismatch");
    if (crc8(data, 3, 2) !== data[5]) throw new SensorError("crc-error", "SHT3x humidity word: CRC mismatch");
    this.#notReady = 0;
    this.#rawTemperature = (data[0]! << 8) | data[1]!;
    this.#rawHumidity = (data[3]! << 8) | data[4]!;
    const sample = this.#sample;
    // sht3xTemperature / sht3xHumidity, inline: a double returned from a call V8 does not inline is boxed.
    sample.thermometer.temperature = -45 + (175 * this.#rawTemperature) / 65535;
    sample.hygrometer.humidity = (100 * this.#rawHumidity) / 65535;
    sample.time = time;
    return sample;
  }

  /** Starts the configured measurement (a single-shot conversion, or the periodic mode). */
  #start(): void {
    const r = REPEATABILITY_INDEX[this.#repeatability];
    const single = this.#mode === "single-shot";
    this.#send(single ? SINGLE_SHOT[r]! : SHT3X_PERIODIC[String(this.#rate)]![r]!);
    this.#startedAt = this.#lastCommandAt;
    this.#converting = single;
    this.#checked = false;
  }

  #readStatus(io: I2CIO): void {
    const status = this.#statusBytes;
    try {
      io.read(status);
    } catch (error) {
      throw i2cFailure(io, "SHT3x read status", error);
    }
    if (crc8(status, 0, 2) !== status[2]) throw new SensorError("crc-error", "SHT3x status register: CRC mismatch");
    this.#status = (status[0]! << 8) | status[1]!;
  }

  /** Runs `script` on the timer, its first step once the chip may take a command. */
  #run(script: readonly number[]): void {
    this.#script = script;
    this.#step = 0;
    this.#retries = 0;
    this.#notReady = 0;
    this.#timer.schedule(this.#timerId, this.#wait());
  }

  /** ms until the chip takes the next command: a command gap after the last one, and not before a conversion in flight ends. */
  #wait(): number {
    const now = this.#clock.ticks();
    let at = this.#lastCommandAt + GAP;
    if (this.#converting) {
      const end = this.#startedAt + atLeastMs(SHT3X_MEASUREMENT_MS[this.#repeatability]);
      if (end > at) at = end;
    }
    return at > now ? at - now : 0;
  }

  /** One step of the running script (a timer callback). */
  #runStep(): void {
    const script = this.#script;
    const io = this.#io;
    if (script === undefined || io === undefined) return;
    const step = script[this.#step]!;
    if (step === RELEASE) return this.#release();
    let wait: number;
    try {
      wait = this.#execute(io, step);
    } catch (error) {
      if (this.#closed) return this.#release();
      this.#failed(error);
      return;
    }
    if (wait < 0) {
      // Refused while the address answers: busy. Try again, a command gap later.
      if (++this.#retries <= SHT3X_COMMAND_RETRIES) {
        this.#timer.schedule(this.#timerId, GAP);
        return;
      }
      if (this.#closed) return this.#release();
      this.#failed(new SensorError("bus-error", `SHT3x ${STEP_NAMES[step]}: refused ${SHT3X_COMMAND_RETRIES + 1} times`));
      return;
    }
    if (this.#script !== script) {
      // The step chose what follows (a status check).
      this.#timer.schedule(this.#timerId, wait);
      return;
    }
    this.#retries = 0;
    if (++this.#step < script.length) {
      // Letting go of the bus needs no wait.
      if (script[this.#step] === RELEASE) return this.#release();
      this.#timer.schedule(this.#timerId, wait);
      return;
    }
    this.#script = undefined;
    this.#timer.schedule(this.#timerId); // parked until the next sequence
  }

  /** Runs one step; returns the wait before the next one, ms, or −1 when the chip refused it while answering its address. */
  #execute(io: I2CIO, step: number): number {
    let command: number;
    switch (step) {
      case BREAK:
        command = Sht3xCommand.Break;
        break;
      case RESET:
        command = Sht3xCommand.SoftReset;
        break;
      case STATUS_AFTER_RESET:
      case STATUS_CHECK:
        command = Sht3xCommand.ReadStatus;
        break;
      case CLEAR:
        command = Sht3xCommand.ClearStatus;
        break;
      case HEATER:
        command = this.#heater ? Sht3xCommand.HeaterEnable : Sht3xCommand.HeaterDisable;
        break;
      case START:
        command = -1;
        break;
      default:
        command = Sht3xCommand.HeaterDisable;
        break;
    }
    try {
      if (command < 0) this.#start();
      else this.#send(command);
    } catch (error) {
      if (i2cPresent(io)) return -1;
      throw i2cFailure(io, `SHT3x ${STEP_NAMES[step]}`, error);
    }
    switch (step) {
      case BREAK:
        this.#converting = false;
        return AFTER_BREAK;
      case RESET:
        this.#converting = false;
        return AFTER_RESET;
      case STATUS_AFTER_RESET:
        this.#readStatus(io);
        if (!(this.#status & Sht3xStatus.ResetDetected)) {
          throw new SensorError("bus-error", `SHT3x soft reset not confirmed (status 0x${hex4(this.#status)})`);
        }
        return GAP;
      case STATUS_CHECK:
        this.#readStatus(io);
        this.#script = this.#afterStatus();
        this.#step = 0;
        this.#retries = 0;
        return GAP;
      default:
        return GAP;
    }
  }

  #failed(error: unknown): void {
    this.#failure = error;
    this.#script = undefined;
    this.#timer.schedule(this.#timerId);
  }

  #release(): void {
    this.#script = undefined;
    this.#timer.clear(this.#timerId);
    const io = this.#io;
    this.#io = undefined;
    io?.close();
  }

  /**
   * `#send` that reports a refused transfer as false, keeping the error in
   * #ioError: on the "not ready" paths a caught exception handled in place
   * made V8 allocate (40 bytes each); handed over in a field it does not.
   */
  #trySend(command: number): boolean {
    try {
      this.#send(command);
      return true;
    } catch (error) {
      this.#ioError = error;
      return false;
    }
  }

  #tryRead(io: I2CIO, target: Uint8Array): boolean {
    try {
      io.read(target);
      return true;
    } catch (error) {
      this.#ioError = error;
      return false;
    }
  }

  #send(command: number): void {
    const buffer = this.#command;
    buffer[0] = (command >> 8) & 0xff;
    buffer[1] = command & 0xff;
    this.#lastCommandAt = this.#clock.ticks();
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

function hex4(value: number): string {
  return value.toString(16).padStart(4, "0");
}
