import { performance } from "node:perf_hooks";
import { EventQueue, type QueuedEvent } from "./event-queue";
import type { ScheduledEvent, SimClock } from "./sim-clock";

/**
 * Wall-clock time for interactive runs, where external tools set the pace.
 *
 * Events run in time order and never before their time. One Node timer per
 * event would give neither: Node truncates delays to whole milliseconds and
 * counts them from the event loop's cached time, so a timer measured here
 * ran up to 1.8 ms early (more than the 1.75 ms Modbus t3.5) and about one in
 * seven ran while an event due earlier was still waiting; a frame could then
 * be closed before its last character was delivered. So the events sit in
 * one queue, like the virtual clock's, behind a single Node timer that is
 * re-armed for the earliest; when the loop is late they run late, in order.
 */
export class RealClock implements SimClock {
  readonly #origin = performance.now();
  readonly #queue = new EventQueue();
  #timer: NodeJS.Timeout | undefined;
  #timerAt = Number.POSITIVE_INFINITY;
  #running = false;

  now(): number {
    return performance.now() - this.#origin;
  }

  schedule(at: number, callback: () => void): ScheduledEvent {
    const event = this.#queue.push(at, callback);
    if (!this.#running && at < this.#timerAt) this.#arm();
    return event;
  }

  cancel(event: ScheduledEvent): void {
    this.#queue.remove(event as QueuedEvent);
    if (this.#queue.size === 0 && this.#timer !== undefined) {
      // Nothing left: let the process exit as it would with no timers.
      clearTimeout(this.#timer);
      this.#timer = undefined;
      this.#timerAt = Number.POSITIVE_INFINITY;
    }
  }

  /** Events waiting, for tests that check nothing was left armed. */
  get pending(): number {
    return this.#queue.size;
  }

  #arm(): void {
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#timerAt = Number.POSITIVE_INFINITY;
    const next = this.#queue.peek();
    if (next === undefined) return;
    this.#timerAt = next.at;
    this.#timer = setTimeout(() => this.#run(), Math.max(0, Math.ceil(next.at - this.now())));
  }

  #run(): void {
    this.#timer = undefined;
    this.#timerAt = Number.POSITIVE_INFINITY;
    // Only what is due by now: an event that schedules another at now() runs
    // on a later turn, so I/O is never starved.
    const until = this.now();
    this.#running = true;
    try {
      for (let event = this.#queue.peek(); event !== undefined && event.at <= until; event = this.#queue.peek()) {
        this.#queue.pop();
        const callback = event.callback;
        event.callback = undefined;
        callback?.();
      }
    } finally {
      this.#running = false;
      this.#arm();
    }
  }
}
