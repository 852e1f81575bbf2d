import { EventQueue, type QueuedEvent } from "./event-queue";
import type { ScheduledEvent, SimClock } from "./sim-clock";

/**
 * Time that moves only when a test moves it. Events run in time order with the
 * clock set to each event's instant, so a callback that reads now() sees the
 * time it was due, exactly as on an idle device.
 */
export class VirtualClock implements SimClock {
  #now = 0;
  #queue = new EventQueue();

  now(): number {
    return this.#now;
  }

  schedule(at: number, callback: () => void): ScheduledEvent {
    return this.#queue.push(Math.max(at, this.#now), callback);
  }

  cancel(event: ScheduledEvent): void {
    this.#queue.remove(event as QueuedEvent);
  }

  /** Pending events, for tests that check nothing was left armed. */
  get pending(): number {
    return this.#queue.size;
  }

  /** Runs every event due within `ms`, synchronously, then sets the clock to the end. */
  advance(ms: number): void {
    this.runUntil(this.#now + ms);
  }

  runUntil(end: number): void {
    if (end < this.#now) throw new RangeError(`cannot run the clock backwards (now ${this.#now}, asked ${end})`);
    for (let event = this.#queue.peek(); event !== undefined && event.at <= end; event = this.#queue.peek()) {
      this.#queue.pop();
      this.#now = event.at;
      const callback = event.callback;
      event.callback = undefined;
      callback?.();
    }
    this.#now = end;
  }

  /**
   * Like advance(), but lets promise jobs and I/O callbacks run between events,
   * for firmware that awaits. Slower: one macrotask per event.
   */
  async advanceAsync(ms: number): Promise<void> {
    const end = this.#now + ms;
    for (let event = this.#queue.peek(); event !== undefined && event.at <= end; event = this.#queue.peek()) {
      this.#queue.pop();
      this.#now = event.at;
      const callback = event.callback;
      event.callback = undefined;
      callback?.();
      await new Promise<void>((resolve) => setImmediate(resolve));
    }
    this.#now = end;
  }
}
