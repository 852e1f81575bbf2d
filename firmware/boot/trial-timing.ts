/**
 * How long a new image has to prove itself: its own module, so the
 * technician tools (which wait for the verdict) read the same numbers the
 * firmware uses without loading a firmware build.
 */

/** A new image must pass every health check within this long after it boots. */
export const TRIAL_DEADLINE_MS = 60_000;
/** ...and run at least this long: past one task-watchdog period (10 s). */
export const TRIAL_MIN_UPTIME_MS = 15_000;
