/**
 * Moddable's `timer` module: callbacks on the event loop, the only way firmware
 * waits. A global setTimeout does not exist on the device.
 */
export interface TimerId {
  readonly __timer: unique symbol;
}

export type TimerCallback = (id: TimerId) => void;

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
