/**
 * Drift-free periodic slots on Moddable's timer. Slot N is due at
 * origin + N · interval, computed from the clock, never by adding up timer
 * periods: a one-shot timer is re-armed for the next slot after each run.
 *
 * Moddable's repeating timer (modTimer.c, and the simulator's model of it)
 * keeps its grid too, but when the event loop was busy it fires once for every
 * period it missed, back to back. Here a late run takes the most recent slot
 * that is due and counts the ones it skipped as overruns; it never runs twice
 * to catch up. `sleepUntil()` skips slots on purpose (retry backoff) without
 * counting them.
 *
 * A handler that throws does not end the schedule: the timer is re-armed
 * whatever the handler did, and the exception is counted and passed to
 * `onError`. (On the device an exception escaping a timer callback would also
 * lose the one-shot timer, and with it every later slot.)
 *
 * Times are plain numbers of ms (doubles): no `| 0`, `>>> 0` or Int32 storage,
 * so nothing changes when the tick count passes 2^31 or 2^32.
 */
import type { Clock, TimerId, TimerService } from "../host/timer";

/** Called for each slot run: its index, its due time and the time it ran (host ticks, ms). */
export type SlotHandler = (slot: number, due: number, now: number) => void;

/** Told about an exception a slot's handler threw; the schedule goes on. */
export type SlotErrorHandler = (error: unknown) => void;

export class SlotScheduler {
  readonly #timer: TimerService;
  readonly #clock: Clock;
  readonly #interval: number;
  readonly #handler: SlotHandler;
  readonly #onError: SlotErrorHandler | undefined;
  readonly #fire: () => void;
  #id: TimerId | undefined;
  #origin = 0;
  #next = 0;
  #runs = 0;
  #overruns = 0;
  #maxLateness = 0;
  #lastRun = -1;
  #errors = 0;

  constructor(timer: TimerService, clock: Clock, interval: number, handler: SlotHandler, onError?: SlotErrorHandler) {
    if (!Number.isInteger(interval) || interval < 1) throw new RangeError(`slot interval ${interval} ms is not a whole number of ms ≥ 1`);
    this.#timer = timer;
    this.#clock = clock;
    this.#interval = interval;
    this.#handler = handler;
    this.#onError = onError;
    this.#fire = () => this.#run();
  }

  get interval(): number {
    return this.#interval;
  }

  get running(): boolean {
    return this.#id !== undefined;
  }

  /** Slots run so far. */
  get runs(): number {
    return this.#runs;
  }

  /** Slots that passed without a run because the event loop was late. */
  get overruns(): number {
    return this.#overruns;
  }

  /** Largest delay between a slot's due time and its run, ms. */
  get maxLateness(): number {
    return this.#maxLateness;
  }

  /** Runs whose handler threw. */
  get errors(): number {
    return this.#errors;
  }

  /** Host ticks of the last run, −1 before the first. */
  get lastRun(): number {
    return this.#lastRun;
  }

  /** Due time of the next slot. */
  get nextDue(): number {
    return this.#origin + this.#next * this.#interval;
  }

  get origin(): number {
    return this.#origin;
  }

  /** Starts with slot 0 due at `origin` (default: now). */
  start(origin: number = this.#clock.ticks()): void {
    this.stop();
    this.#origin = origin;
    this.#next = 0;
    this.#id = this.#timer.set(this.#fire, Math.max(0, origin - this.#clock.ticks()));
  }

  stop(): void {
    if (this.#id !== undefined) this.#timer.clear(this.#id);
    this.#id = undefined;
  }

  /** Skips every slot due before `time` without counting overruns (call from the handler). */
  sleepUntil(time: number): void {
    const slot = Math.ceil((time - this.#origin) / this.#interval);
    if (slot > this.#next) this.#next = slot;
  }

  #run(): void {
    const id = this.#id;
    if (id === undefined) return;
    const interval = this.#interval;
    let now = this.#clock.ticks();
    const due = this.#origin + this.#next * interval;
    if (now >= due) {
      const current = Math.floor((now - this.#origin) / interval);
      this.#overruns += current - this.#next;
      const slotDue = this.#origin + current * interval;
      this.#next = current + 1;
      this.#runs++;
      this.#lastRun = now;
      if (now - slotDue > this.#maxLateness) this.#maxLateness = now - slotDue;
      try {
        this.#handler(current, slotDue, now);
      } catch (error) {
        this.#errors++;
        this.#report(error);
      }
      if (this.#id !== id) return; // stopped (or restarted) by the handler
      now = this.#clock.ticks();
    }
    // Woken early (a timer rounds to whole ms on another base) or after the run: aim at the next slot.
    this.#timer.schedule(id, Math.max(0, this.#origin + this.#next * interval - now));
  }

  #report(error: unknown): void {
    const onError = this.#onError;
    if (onError === undefined) return;
    try {
      onError(error);
    } catch {
      // A failing error report must not cost the schedule either.
    }
  }
}
