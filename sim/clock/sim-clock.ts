/**
 * The simulator's time source. Peripherals and the firmware's Timer schedule
 * against it, so the same models run on real time (interactive use with
 * external tools) or virtual time (deterministic tests: hours in milliseconds).
 */
export interface ScheduledEvent {
  readonly at: number;
}

export interface SimClock {
  /** Milliseconds since the clock started; fractional on purpose (UART bits are microseconds). */
  now(): number;
  /** Runs `callback` once the clock reaches `at` (or immediately after, if `at` is past). */
  schedule(at: number, callback: () => void): ScheduledEvent;
  cancel(event: ScheduledEvent): void;
}
