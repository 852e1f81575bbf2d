import type { ScheduledEvent, SimClock } from "../clock/sim-clock";

/**
 * ESP-IDF's task watchdog for the task running the JavaScript event loop:
 * inactive until the task subscribes (its first feed), then each feed re-arms
 * it and a task that stops feeding for `timeoutMs` gets the chip reset.
 */
export class TaskWatchdog {
  readonly #clock: SimClock;
  readonly #timeoutMs: number;
  readonly #onTimeout: () => void;
  #deadline: ScheduledEvent | undefined;
  #lastFeed = Number.NaN;

  constructor(clock: SimClock, timeoutMs: number, onTimeout: () => void) {
    this.#clock = clock;
    this.#timeoutMs = timeoutMs;
    this.#onTimeout = onTimeout;
  }

  get subscribed(): boolean {
    return this.#deadline !== undefined;
  }

  /** Milliseconds since the last feed, NaN before the first. */
  get sinceLastFeed(): number {
    return this.#clock.now() - this.#lastFeed;
  }

  feed(): void {
    if (this.#deadline !== undefined) this.#clock.cancel(this.#deadline);
    this.#lastFeed = this.#clock.now();
    this.#deadline = this.#clock.schedule(this.#lastFeed + this.#timeoutMs, () => {
      this.#deadline = undefined;
      this.#onTimeout();
    });
  }

  stop(): void {
    if (this.#deadline !== undefined) this.#clock.cancel(this.#deadline);
    this.#deadline = undefined;
    this.#lastFeed = Number.NaN;
  }
}
