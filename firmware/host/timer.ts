/**
 * Moddable's `timer` module: callbacks on the event loop, the only way firmware
 * waits. A global setTimeout does not exist on the device.
 */
export interface TimerId {
  readonly __timer: unique symbol;
}

export type TimerCallback = (id: TimerId) => void;

/**
 * The interval to give a timer that must not fire before `ms` have passed: a
 * Moddable timer set for n ms fires once the ms tick count has advanced by n,
 * which can be up to 1 ms sooner than n ms after the call.
 */
export function atLeastMs(ms: number): number {
  return Math.ceil(ms) + 1;
}

export interface TimerService {
  set(callback: TimerCallback, interval?: number, repeat?: number): TimerId;
  repeat(callback: TimerCallback, interval: number): TimerId;
  schedule(id: TimerId, interval?: number, repeat?: number): void;
  clear(id: TimerId | undefined): void;
}

export interface Clock {
  /** Monotonic milliseconds since boot; never wraps (on ESP32 from esp_timer, not the 32-bit `Time.ticks`). */
  ticks(): number;
  /**
   * Monotonic microseconds since boot (`esp_timer_get_time`; Moddable's
   * `Time.microseconds`), for timing characters on a serial line. May be
   * fractional in the simulator, where characters end between microseconds.
   */
  microseconds?(): number;
}
