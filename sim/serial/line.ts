/**
 * An RS-485 bus: a shared pair of wires where every character a transceiver
 * sends takes (start + 8 data + parity + stop bits) / baud seconds, and every
 * other transceiver receives it at its stop bit. Receivers decode with their
 * own settings, so a wrong baud rate, parity or stop-bit count shows up as
 * parity and framing errors, as on a real bus. Two transmitters at once
 * garble each other's characters.
 *
 * Tests inject faults: silence between characters (send's gaps), noise
 * bursts, and corrupted characters (tamper).
 *
 * Times are the simulator clock's milliseconds (fractional).
 */
import type { LineFormat } from "../../firmware/modbus/timing";
import { characterBits } from "../../firmware/modbus/timing";
import type { ScheduledEvent, SimClock } from "../clock/sim-clock";

export type { LineFormat };

export interface LineCharacter {
  /** The byte as sent. */
  readonly byte: number;
  readonly format: LineFormat;
  /** Start bit begins, ms. */
  readonly start: number;
  /** Last stop bit ends, ms. */
  readonly end: number;
  readonly from: string;
  /** Collided with another transmitter or noise: receivers get garbage. */
  garbled: boolean;
  /** Set by a tamper hook: what receivers get instead of `byte`. */
  delivered?: number;
  /** Receivers have had it. */
  done?: boolean;
}

export interface Reception {
  readonly byte: number;
  readonly parityError: boolean;
  readonly framingError: boolean;
  /** When the character's stop bit ended, ms. */
  readonly end: number;
  readonly character: LineCharacter;
}

export interface LineListener {
  /** The receiver's settings, or undefined while it is not listening (UART closed, transmitting half-duplex). */
  format(): LineFormat | undefined;
  receive(reception: Reception): void;
}

export interface SendOptions {
  /** Silence before each character, µs (index 0: before the first, after the line is free). Missing entries: 0. */
  gapsUs?: ReadonlyArray<number | undefined>;
  /** Do not start before this time, ms. */
  notBefore?: number;
}

export type Tamper = (character: LineCharacter, index: number) => number | undefined;

/** Milliseconds one character of `format` occupies the line. */
export function characterMs(format: LineFormat): number {
  return (characterBits(format) * 1000) / format.baud;
}

function parityBit(byte: number, parity: "even" | "odd"): number {
  let ones = 0;
  for (let b = byte; b !== 0; b >>>= 1) ones += b & 1;
  return parity === "even" ? ones & 1 : (ones & 1) ^ 1;
}

/** What a receiver with `format` makes of a character sent with another (or the same) format. */
export function decodeCharacter(character: LineCharacter, format: LineFormat): { byte: number; parityError: boolean; framingError: boolean } {
  const sent = character.delivered ?? character.byte;
  if (character.garbled || Math.abs(format.baud - character.format.baud) / character.format.baud > 0.03) {
    // Bits sampled at the wrong places: some other byte, and no valid stop bit.
    return { byte: (sent * 0x9d + 0x5b) & 0xff, parityError: false, framingError: true };
  }
  // After the data bits the sender puts its parity bit, then stop bits (1), then idle (1).
  const tail: number[] = [];
  if (character.format.parity !== "none") tail.push(parityBit(sent, character.format.parity));
  for (let i = 0; i < character.format.stopBits; i++) tail.push(1);
  let i = 0;
  let parityError = false;
  if (format.parity !== "none") parityError = (tail[i++] ?? 1) !== parityBit(sent, format.parity);
  const framingError = (tail[i] ?? 1) !== 1;
  return { byte: sent, parityError, framingError };
}

export class LinePort {
  readonly name: string;
  readonly #line: SerialLine;
  readonly listener: LineListener | undefined;
  /** Characters this port has queued that are not over yet. */
  readonly pending: LineCharacter[] = [];
  readonly events = new Set<ScheduledEvent>();
  attached = true;

  constructor(line: SerialLine, name: string, listener: LineListener | undefined) {
    this.#line = line;
    this.name = name;
    this.listener = listener;
  }

  /** When this port's last queued character ends (or now, if none), ms. */
  get busyUntil(): number {
    const last = this.pending[this.pending.length - 1];
    return Math.max(last?.end ?? 0, this.#line.clock.now());
  }

  /**
   * Queues bytes back to back after whatever this port is already sending,
   * with optional silences; returns the characters (their start and end times).
   */
  send(bytes: ArrayLike<number>, format: LineFormat, options: SendOptions = {}): LineCharacter[] {
    return this.#line.transmit(this, bytes, format, options);
  }

  /** Stops transmitting at once (power lost): characters not yet started never appear. */
  detach(): void {
    this.#line.detach(this);
  }
}

export class SerialLine {
  readonly clock: SimClock;
  readonly #ports = new Set<LinePort>();
  readonly #observers = new Set<(character: LineCharacter) => void>();
  #tamper: Tamper | undefined;
  #index = 0;
  /** Characters not yet over, all senders: for collision checks. */
  #inFlight: LineCharacter[] = [];
  #lastEnd = 0;

  constructor(clock: SimClock) {
    this.clock = clock;
  }

  /** A transceiver on the bus; without a listener it only transmits. */
  attach(name: string, listener?: LineListener): LinePort {
    const port = new LinePort(this, name, listener);
    this.#ports.add(port);
    return port;
  }

  /** When the last character queued by anyone ends (or now, if the line is quiet), ms. */
  get busyUntil(): number {
    let end = this.clock.now();
    for (const c of this.#inFlight) if (c.end > end) end = c.end;
    return end;
  }

  /**
   * If a character from anyone but `receiver` has started by now and not yet
   * been delivered (its start bit is on the wire, so the line is not idle,
   * though receivers only get the byte at its stop bit), when the last such
   * one ends, ms. Receivers ask before deciding that the line went quiet.
   */
  activeUntil(receiver: string): number | undefined {
    const now = this.clock.now();
    let until: number | undefined;
    for (const c of this.#inFlight) {
      if (c.from === receiver || c.done === true || c.start > now) continue;
      if (until === undefined || c.end > until) until = c.end;
    }
    return until;
  }

  /** When the last character anyone has queued so far ends, ms (0 before the first). */
  get lastActivity(): number {
    return this.#lastEnd;
  }

  /** Sees every character at its end, after delivery (a bus analyser). */
  observe(observer: (character: LineCharacter) => void): () => void {
    this.#observers.add(observer);
    return () => this.#observers.delete(observer);
  }

  /** Replaces what receivers get for chosen characters; `index` counts every character sent on the line. */
  tamper(hook: Tamper | undefined): void {
    this.#tamper = hook;
  }

  /** A burst of interference from `at` (ms) lasting `durationUs`: garbles what is on the line and adds garbage characters. */
  noise(at: number, durationUs: number, format: LineFormat, seed = 1): void {
    const port = this.attach("noise");
    const count = Math.max(1, Math.round(durationUs / 1000 / characterMs(format)));
    let x = seed >>> 0 || 1;
    const bytes: number[] = [];
    for (let i = 0; i < count; i++) {
      x ^= x << 13;
      x ^= x >>> 17;
      x ^= x << 5;
      bytes.push(x & 0xff);
    }
    const characters = this.transmit(port, bytes, format, { notBefore: at });
    for (const c of characters) c.garbled = true;
  }

  transmit(port: LinePort, bytes: ArrayLike<number>, format: LineFormat, options: SendOptions): LineCharacter[] {
    if (!port.attached) throw new Error(`line port ${port.name} is detached`);
    const duration = characterMs(format);
    let t = Math.max(port.busyUntil, options.notBefore ?? 0);
    const out: LineCharacter[] = [];
    for (let i = 0; i < bytes.length; i++) {
      t += (options.gapsUs?.[i] ?? 0) / 1000;
      const character: LineCharacter = { byte: bytes[i]! & 0xff, format, start: t, end: t + duration, from: port.name, garbled: false };
      t += duration;
      const replaced = this.#tamper?.(character, this.#index);
      this.#index++;
      if (replaced !== undefined) character.delivered = replaced & 0xff;
      this.#collide(character);
      if (character.end > this.#lastEnd) this.#lastEnd = character.end;
      port.pending.push(character);
      this.#inFlight.push(character);
      const event = this.clock.schedule(character.end, () => {
        port.events.delete(event);
        this.#deliver(port, character);
      });
      port.events.add(event);
      out.push(character);
    }
    return out;
  }

  detach(port: LinePort): void {
    if (!port.attached) return;
    port.attached = false;
    for (const event of port.events) this.clock.cancel(event);
    port.events.clear();
    const now = this.clock.now();
    // A character already on the wire is cut off: whoever was receiving it gets garbage.
    for (const c of port.pending) if (c.start < now) c.garbled = true;
    this.#inFlight = this.#inFlight.filter((c) => !port.pending.includes(c));
    port.pending.length = 0;
    this.#ports.delete(port);
  }

  #collide(character: LineCharacter): void {
    const now = this.clock.now();
    this.#inFlight = this.#inFlight.filter((c) => c.end > now || c.done !== true);
    for (const other of this.#inFlight) {
      if (other.from !== character.from && other.start < character.end && character.start < other.end) {
        other.garbled = true;
        character.garbled = true;
      }
    }
  }

  #deliver(sender: LinePort, character: LineCharacter): void {
    character.done = true;
    const index = sender.pending.indexOf(character);
    if (index >= 0) sender.pending.splice(index, 1);
    for (const port of this.#ports) {
      if (port === sender || port.listener === undefined) continue;
      const format = port.listener.format();
      if (format === undefined) continue;
      const decoded = decodeCharacter(character, format);
      port.listener.receive({ ...decoded, end: character.end, character });
    }
    for (const observer of this.#observers) observer(character);
    if (sender.name === "noise" && sender.pending.length === 0) this.detach(sender);
  }
}
