import type { ScheduledEvent, SimClock } from "../clock/sim-clock";

/**
 * ESP-IDF's task watchdog entry that the firmware feeds (a TWDT user,
 * esp_task_wdt_add_user): inactive until the first feed subscribes it, then
 * each feed re-arms it and an entry not fed for `timeoutMs` gets the chip
 * reset. The event-loop task's own entry, which Moddable resets on every loop
 * turn, is not modelled: a JavaScript loop that stops turning here stops Node
 * with it, so there is nothing for a simulated watchdog to catch.
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
