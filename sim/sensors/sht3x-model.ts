/**
 * A Sensirion SHT3x on the simulated I2C bus, answering its command set byte
 * for byte (datasheet "SHT3x-DIS", §4): single-shot measurements with and
 * without clock stretching, periodic mode at 0.5–10 mps with Fetch Data and
 * ART, Break, soft reset, heater, status register (read and clear). Results
 * are two words, each followed by its CRC-8 (0x31, init 0xFF).
 *
 * Timing: a single-shot result is ready the measurement duration after the
 * command (15/6/4 ms maximum for high/medium/low repeatability); before that
 * the chip refuses the read header (clock stretching off). With clock
 * stretching the read waits for the result on a real bus; here it is answered
 * at once. In periodic mode a measurement completes every 1/mps seconds;
 * Fetch Data returns the latest one once, then the read is refused until the
 * next. After a soft reset the chip does not answer for 1.5 ms, after a Break
 * for 1 ms. A command less than 1 ms after the one before is refused (the
 * datasheet's minimum wait between commands), as is any command during a
 * single-shot conversion. In periodic mode the chip refuses every command but
 * Fetch Data, ART and Break; a soft reset needs the idle state, so Break
 * first (datasheet §4.9).
 *
 * Status bit 1 (command status) says whether the last command was processed:
 * set by a refused or corrupted command, cleared by one processed (Read
 * Status, which reports it, leaves it alone). `corruptNextCommands(n)` makes
 * the next commands arrive damaged, as on a noisy bus: acknowledged, then not
 * processed.
 *
 * Faults (ChipFaults): nack refuses every command byte (the address is still
 * acknowledged); disconnect takes the chip off the bus; stuck freezes the
 * result words; crc sends every result/status checksum with one bit flipped;
 * slow multiplies the measurement duration.
 */
import type { ChipClock, ChipFaults, I2CTarget, WriteResult } from "./i2c-bus";
import { noFaults } from "./i2c-bus";
import type { Signal } from "./signal";

const MEASUREMENT_MS = [15, 6, 4] as const; // high, medium, low
const SOFT_RESET_MS = 1.5;
const BREAK_MS = 1;
/** Minimum wait between commands (datasheet §4.3, the "SCL free" block). */
const IDLE_MS = 1;
const COMMAND_FAILED = 0x0002;
/** Status after a reset (datasheet Table 17 default: alert pending, reset detected). */
const STATUS_AFTER_RESET = 0x8010;

const SINGLE: Record<number, number> = { 0x2400: 0, 0x240b: 1, 0x2416: 2 };
const SINGLE_STRETCH: Record<number, number> = { 0x2c06: 0, 0x2c0d: 1, 0x2c10: 2 };
const PERIODIC: Record<number, { mps: number; repeatability: number }> = {};
for (const [mps, codes] of [
  [0.5, [0x2032, 0x2024, 0x202f]],
  [1, [0x2130, 0x2126, 0x212d]],
  [2, [0x2236, 0x2220, 0x222b]],
  [4, [0x2334, 0x2322, 0x2329]],
  [10, [0x2737, 0x2721, 0x272a]],
] as const) {
  codes.forEach((code, repeatability) => (PERIODIC[code] = { mps, repeatability }));
}

/** Sensirion CRC-8, bit by bit (independent of the firmware's table-driven one). */
export function sensirionCrc(msb: number, lsb: number): number {
  let crc = 0xff;
  for (const byte of [msb, lsb]) {
    crc ^= byte;
    for (let bit = 0; bit < 8; bit++) crc = crc & 0x80 ? ((crc << 1) ^ 0x31) & 0xff : (crc << 1) & 0xff;
  }
  return crc;
}

/** Raw word for a temperature in °C (inverse of T = −45 + 175·S/65535), clamped to 16 bits. */
export function temperatureWord(celsius: number): number {
  return clampWord(Math.round(((celsius + 45) * 65535) / 175));
}

/** Raw word for a relative humidity in % (inverse of RH = 100·S/65535). */
export function humidityWord(percent: number): number {
  return clampWord(Math.round((percent * 65535) / 100));
}

function clampWord(value: number): number {
  return Math.min(0xffff, Math.max(0, value));
}

export interface Sht3xModelOptions {
  clock: ChipClock;
  temperature: Signal;
  humidity: Signal;
  address?: number;
  /** Temperature rise with the heater on, °C. */
  heaterRise?: number;
}

type Output = { kind: "none" } | { kind: "status" } | { kind: "single"; readyAt: number; at: number } | { kind: "result"; at: number };

export interface Sht3xCommandLog {
  at: number;
  command: number;
  accepted: boolean;
}

export class Sht3xModel implements I2CTarget {
  readonly address: number;
  readonly faults: ChipFaults = noFaults();
  /** Every command the chip received, newest last (bounded). */
  readonly commands: Sht3xCommandLog[] = [];
  readonly #clock: ChipClock;
  readonly #temperature: Signal;
  readonly #humidity: Signal;
  readonly #heaterRise: number;
  #status = STATUS_AFTER_RESET;
  #heater = false;
  #silentUntil = 0;
  #output: Output = { kind: "none" };
  #periodic: { mps: number; repeatability: number; start: number; fetched: number } | undefined;
  #stuckWords: [number, number] | undefined;
  #lastWords: [number, number] = [0, 0];
  #lastCommandAt = Number.NEGATIVE_INFINITY;
  #corrupt = 0;

  constructor(options: Sht3xModelOptions) {
    this.address = options.address ?? 0x44;
    this.#clock = options.clock;
    this.#temperature = options.temperature;
    this.#humidity = options.humidity;
    this.#heaterRise = options.heaterRise ?? 3;
  }

  get status(): number {
    return this.#status;
  }

  get heater(): boolean {
    return this.#heater;
  }

  get mode(): "idle" | "measuring" | "periodic" {
    if (this.#periodic) return "periodic";
    return this.#output.kind === "single" && this.#clock.now() < this.#output.readyAt ? "measuring" : "idle";
  }

  /** Sets or clears a fault; `stuck` freezes the words last measured. */
  setFault<K extends keyof ChipFaults>(name: K, value: ChipFaults[K]): void {
    this.faults[name] = value;
    if (name === "stuck") this.#stuckWords = value ? [...this.#lastWords] : undefined;
  }

  /** Power loss: the chip forgets its mode and settings. */
  powerCycle(): void {
    this.#reset(this.#clock.now(), 1);
  }

  /** The next `count` commands arrive damaged: acknowledged, not processed, status bit 1 set. */
  corruptNextCommands(count: number): void {
    this.#corrupt = count;
  }

  write(data: Uint8Array): WriteResult {
    const now = this.#clock.now();
    if (this.faults.disconnect || now < this.#silentUntil) return "nack-address";
    if (data.length === 0) return "ack";
    if (this.faults.nack) return "nack-data";
    if (data.length !== 2) {
      // Alert limit writes carry data and a CRC; not modelled: refused after the command.
      this.#status |= COMMAND_FAILED;
      return "nack-data";
    }
    const command = (data[0]! << 8) | data[1]!;
    if (this.#corrupt > 0) {
      this.#corrupt--;
      this.#log(now, command, false);
      this.#status |= COMMAND_FAILED;
      return "ack";
    }
    const accepted = now - this.#lastCommandAt >= IDLE_MS && this.#command(command, now);
    this.#log(now, command, accepted);
    if (!accepted) {
      this.#status |= COMMAND_FAILED;
      return "nack-data";
    }
    this.#lastCommandAt = now;
    if (command !== 0xf32d) this.#status &= ~COMMAND_FAILED;
    return "ack";
  }

  read(target: Uint8Array): boolean {
    const now = this.#clock.now();
    if (this.faults.disconnect || now < this.#silentUntil) return false;
    const output = this.#output;
    switch (output.kind) {
      case "status":
        this.#output = { kind: "none" };
        this.#fill(target, this.#status, undefined);
        return true;
      case "single":
        if (now < output.readyAt) return false; // still converting: read header refused
        this.#output = { kind: "none" };
        this.#emitResult(target, output.at);
        return true;
      case "result":
        this.#output = { kind: "none" };
        this.#emitResult(target, output.at);
        return true;
      default:
        return false;
    }
  }

  #log(at: number, command: number, accepted: boolean): void {
    this.commands.push({ at, command, accepted });
    if (this.commands.length > 256) this.commands.splice(0, 128);
  }

  #command(command: number, now: number): boolean {
    if (this.#periodic) {
      if (command === 0xe000) return this.#fetch(now);
      if (command === 0x3093) {
        this.#periodic = undefined;
        this.#output = { kind: "none" };
        this.#silentUntil = now + BREAK_MS;
        return true;
      }
      if (command === 0x2b32) {
        this.#periodic = { ...this.#periodic, mps: 4, start: now, fetched: -1 };
        return true;
      }
      return false;
    }
    if (this.#output.kind === "single" && now < this.#output.readyAt) return false; // busy measuring
    if (command === 0x30a2) {
      this.#reset(now, SOFT_RESET_MS);
      return true;
    }
    const single = SINGLE[command] ?? SINGLE_STRETCH[command];
    if (single !== undefined) {
      const stretch = SINGLE_STRETCH[command] !== undefined;
      const duration = MEASUREMENT_MS[single]! * this.faults.slow;
      this.#output = { kind: "single", readyAt: stretch ? now : now + duration, at: now };
      return true;
    }
    const periodic = PERIODIC[command];
    if (periodic !== undefined) {
      this.#periodic = { ...periodic, start: now, fetched: -1 };
      this.#output = { kind: "none" };
      return true;
    }
    switch (command) {
      case 0x2b32: // ART: periodic at 4 mps
        this.#periodic = { mps: 4, repeatability: 0, start: now, fetched: -1 };
        return true;
      case 0x306d:
        this.#heater = true;
        this.#status |= 0x2000;
        return true;
      case 0x3066:
        this.#heater = false;
        this.#status &= ~0x2000;
        return true;
      case 0xf32d:
        this.#output = { kind: "status" };
        return true;
      case 0x3041:
        this.#status &= ~(0x8000 | 0x0800 | 0x0400 | 0x0010);
        return true;
      case 0x3093: // Break outside periodic mode: nothing to stop
        return true;
      default:
        return false;
    }
  }

  /** Fetch Data: the latest completed periodic measurement, once. */
  #fetch(now: number): boolean {
    const p = this.#periodic!;
    const period = 1000 / p.mps;
    const duration = MEASUREMENT_MS[p.repeatability]! * this.faults.slow;
    const completed = Math.floor((now - p.start - duration) / period);
    if (completed >= 0 && completed > p.fetched) {
      p.fetched = completed;
      this.#output = { kind: "result", at: p.start + completed * period };
    } else {
      this.#output = { kind: "none" }; // no new data: the read header will be refused
    }
    return true;
  }

  #reset(now: number, silentMs: number): void {
    this.#status = STATUS_AFTER_RESET;
    this.#heater = false;
    this.#periodic = undefined;
    this.#output = { kind: "none" };
    this.#silentUntil = now + silentMs;
    this.#lastCommandAt = Number.NEGATIVE_INFINITY;
  }

  #emitResult(target: Uint8Array, at: number): void {
    let words: [number, number];
    if (this.faults.stuck && this.#stuckWords !== undefined) words = this.#stuckWords;
    else {
      const temperature = this.#temperature.at(at) + (this.#heater ? this.#heaterRise : 0);
      words = [temperatureWord(temperature), humidityWord(this.#humidity.at(at))];
      this.#lastWords = words;
      if (this.faults.stuck) this.#stuckWords = [...words];
    }
    this.#fill(target, words[0], words[1]);
  }

  /** Writes word, CRC[, word, CRC]; a read longer than the data gets 0xFF, as a released bus reads. */
  #fill(target: Uint8Array, first: number, second: number | undefined): void {
    const bytes = [first >> 8, first & 0xff, sensirionCrc(first >> 8, first & 0xff)];
    if (second !== undefined) bytes.push(second >> 8, second & 0xff, sensirionCrc(second >> 8, second & 0xff));
    if (this.faults.crc) {
      bytes[2]! ^= 0x01;
      if (bytes.length > 5) bytes[5]! ^= 0x01;
    }
    for (let i = 0; i < target.length; i++) target[i] = i < bytes.length ? bytes[i]! : 0xff;
  }
}
