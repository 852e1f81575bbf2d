import type { ScheduledEvent, SimClock } from "../../../sim/clock/sim-clock";
import type { VirtualClock } from "../../../sim/clock/virtual-clock";

/**
 * The event loop as seen by firmware timers, with stalls: an event due inside
 * a stall window [from, to) runs at `to` instead, in order, as it would on a
 * device whose JavaScript task was busy (a long flash erase, a blocking
 * call). Only what is scheduled through this clock is delayed; a hardware
 * timer such as the task watchdog keeps running on the inner clock.
 */
export class StallingClock implements SimClock {
  readonly inner: VirtualClock;
  readonly #stalls: Array<{ from: number; to: number }> = [];

  constructor(inner: VirtualClock) {
    this.inner = inner;
  }

  stall(from: number, duration: number): void {
    this.#stalls.push({ from, to: from + duration });
  }

  now(): number {
    return this.inner.now();
  }

  schedule(at: number, callback: () => void): ScheduledEvent {
    return this.inner.schedule(this.#effective(at), callback);
  }

  cancel(event: ScheduledEvent): void {
    this.inner.cancel(event);
  }

  #effective(at: number): number {
    for (const { from, to } of this.#stalls) if (at >= from && at < to) return to;
    return at;
  }
}
