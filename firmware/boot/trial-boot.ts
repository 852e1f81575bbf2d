import type { TimerId, TimerService, Clock } from "../host/timer";
import type { BootControl } from "./boot-control";
import type { HealthCheck, HealthVerdict } from "./health-check";

export type TrialState = "not-on-trial" | "testing" | "confirmed" | "rejected";

export interface TrialOutcome {
  state: "confirmed" | "rejected";
  /** Milliseconds from the start of the trial. */
  elapsedMs: number;
  /** Why the image was rejected: the failed check, or the checks still pending at the deadline. */
  reason?: string;
}

export interface TrialBootOptions {
  boot: BootControl;
  timer: TimerService;
  clock: Clock;
  log: (line: string) => void;
  checks: readonly HealthCheck[];
  /** The image must prove itself within this long (ESP-IDF gives it one boot; this bounds the boot). */
  deadlineMs: number;
  /**
   * The image must also have run this long: longer than the task watchdog's
   * period, so an image that stops feeding it is reset while still on trial.
   */
  minUptimeMs: number;
  pollMs?: number;
  /** Told before the image is marked valid or the device reboots, so status can be published. */
  onOutcome?: (outcome: TrialOutcome) => void;
}

/**
 * The trial boot of a new image. ESP-IDF boots an updated slot once in
 * PENDING_VERIFY; this polls the registered health checks and marks the image
 * valid only when every one passes within the deadline. A check that fails, or
 * a deadline that passes, marks it invalid and reboots into the previous
 * image. A crash or a watchdog reset before confirmation needs no code here:
 * the bootloader finds PENDING_VERIFY again and rolls back by itself.
 */
export class TrialBoot {
  readonly #options: TrialBootOptions;
  #state: TrialState = "not-on-trial";
  #poll: TimerId | undefined;
  #startedAt = 0;
  readonly #verdicts: HealthVerdict[];

  constructor(options: TrialBootOptions) {
    this.#options = options;
    this.#verdicts = options.checks.map(() => "pending" as HealthVerdict);
  }

  get state(): TrialState {
    return this.#state;
  }

  /** Starts the trial if the running image is on one; returns the resulting state. */
  start(): TrialState {
    const { boot, timer, clock, log, checks, deadlineMs } = this.#options;
    if (boot.imageState() !== "pending-verify") return this.#state;
    this.#state = "testing";
    this.#startedAt = clock.ticks();
    log(`trial: image on trial; ${checks.length} health checks, at least ${this.#options.minUptimeMs} ms of running, deadline ${deadlineMs} ms`);
    this.#poll = timer.repeat(() => this.#evaluate(), this.#options.pollMs ?? 250);
    this.#evaluate();
    return this.#state;
  }

  stop(): void {
    if (this.#poll !== undefined) this.#options.timer.clear(this.#poll);
    this.#poll = undefined;
  }

  #evaluate(): void {
    if (this.#state !== "testing") return;
    const { checks, clock, deadlineMs } = this.#options;
    let pending = false;
    for (let i = 0; i < checks.length; i++) {
      if (this.#verdicts[i] === "pass") continue;
      const verdict = checks[i]!.check();
      this.#verdicts[i] = verdict;
      if (verdict === "fail") return this.#reject(`health check "${checks[i]!.name}" failed`);
      if (verdict === "pending") pending = true;
    }
    const elapsed = clock.ticks() - this.#startedAt;
    if (!pending && elapsed >= this.#options.minUptimeMs) return this.#confirm();
    if (elapsed >= deadlineMs) {
      const waiting = checks.filter((_, i) => this.#verdicts[i] !== "pass").map((c) => c.name);
      this.#reject(`deadline of ${deadlineMs} ms passed with checks pending: ${waiting.join(", ")}`);
    }
  }

  #confirm(): void {
    const elapsedMs = this.#options.clock.ticks() - this.#startedAt;
    this.stop();
    this.#state = "confirmed";
    this.#options.log(`trial: health checks passed and ran ${elapsedMs} ms; marking the image valid`);
    this.#options.onOutcome?.({ state: "confirmed", elapsedMs });
    this.#options.boot.markValid();
  }

  #reject(reason: string): void {
    const elapsedMs = this.#options.clock.ticks() - this.#startedAt;
    this.stop();
    this.#state = "rejected";
    this.#options.log(`trial: ${reason}; rolling back to the previous image`);
    this.#options.onOutcome?.({ state: "rejected", elapsedMs, reason });
    this.#options.boot.markInvalidAndReboot();
  }
}
