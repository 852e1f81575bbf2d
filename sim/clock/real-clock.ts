import { performance } from "node:perf_hooks";
import type { ScheduledEvent, SimClock } from "./sim-clock";

interface RealEvent extends ScheduledEvent {
  handle: NodeJS.Timeout | undefined;
}

/** Wall-clock time for interactive runs, where external tools set the pace. */
export class RealClock implements SimClock {
  #origin = performance.now();

  now(): number {
    return performance.now() - this.#origin;
  }

  schedule(at: number, callback: () => void): ScheduledEvent {
    const event: RealEvent = { at, handle: undefined };
    event.handle = setTimeout(() => {
      event.handle = undefined;
      callback();
    }, Math.max(0, at - this.now()));
    return event;
  }

  cancel(event: ScheduledEvent): void {
    const real = event as RealEvent;
    if (real.handle !== undefined) clearTimeout(real.handle);
    real.handle = undefined;
  }
}
