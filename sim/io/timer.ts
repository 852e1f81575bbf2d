import type { TimerCallback, TimerId, TimerService } from "../../firmware/host/timer";
import type { ScheduledEvent, SimClock } from "../clock/sim-clock";
import type { PowerDomain } from "../device/power-domain";

interface SimTimer {
  callback: TimerCallback;
  trigger: number;
  repeat: number;
  event: ScheduledEvent | undefined;
  /** Set while the callback runs, so a one-shot can be re-armed from inside it. */
  firing: boolean;
  rescheduled: boolean;
  release(): void;
}

/**
 * Moddable's `timer` module over a simulated clock, with its exact semantics
 * (modules/base/timer/mc/timer.c): a repeating timer advances its trigger time
 * by the interval, so it does not drift but a late event loop fires it in a
 * burst; a one-shot is removed after it fires unless rescheduled inside its
 * callback. Intervals are whole milliseconds, as on the device.
 */
export function createTimerService(clock: SimClock, domain: PowerDomain): TimerService {
  const arm = (timer: SimTimer): void => {
    timer.event = clock.schedule(timer.trigger, () => fire(timer));
  };

  const fire = (timer: SimTimer): void => {
    timer.event = undefined;
    timer.firing = true;
    timer.rescheduled = false;
    timer.trigger += timer.repeat;
    domain.run(() => timer.callback(timer as unknown as TimerId));
    timer.firing = false;
    if (!domain.alive) return;
    if (timer.rescheduled) return;
    if (timer.repeat > 0 && timer.event === undefined) arm(timer);
    else if (timer.repeat === 0) domain.disown(timer);
  };

  const create = (callback: TimerCallback, interval: number, repeat: number): TimerId => {
    const timer: SimTimer = {
      callback,
      trigger: Math.floor(clock.now()) + whole(interval),
      repeat: whole(repeat),
      event: undefined,
      firing: false,
      rescheduled: false,
      release() {
        if (timer.event !== undefined) clock.cancel(timer.event);
        timer.event = undefined;
      },
    };
    domain.own(timer);
    arm(timer);
    return timer as unknown as TimerId;
  };

  return {
    set: (callback, interval = 0, repeat = 0) => create(callback, interval, repeat),
    repeat: (callback, interval) => create(callback, interval, interval),
    schedule(id, interval, repeat) {
      const timer = id as unknown as SimTimer;
      timer.release();
      if (interval === undefined) {
        // Moddable: schedule(timer) with no interval unschedules it but keeps it.
        timer.rescheduled = timer.firing;
        return;
      }
      timer.trigger = Math.floor(clock.now()) + whole(interval);
      timer.repeat = whole(repeat ?? 0);
      timer.rescheduled = timer.firing;
      domain.own(timer);
      arm(timer);
    },
    clear(id) {
      if (id === undefined) return;
      const timer = id as unknown as SimTimer;
      timer.release();
      timer.rescheduled = timer.firing;
      timer.repeat = 0;
      domain.disown(timer);
    },
  };
}

function whole(ms: number): number {
  if (!Number.isFinite(ms) || ms < 0) throw new RangeError(`invalid timer interval ${ms}`);
  return Math.floor(ms);
}
