import { encodeUtf8 } from "../core/utf8";
import type { Clock } from "../host/timer";
import type { OtaClient, OtaStatus } from "./ota-client";
import type { OtaReport, OtaReportState } from "./ota-report";
import { updateErrorNumber, type UpdateErrorCode } from "./update-errors";

export interface OtaReporterOptions {
  client: OtaClient;
  clock: Clock;
  /** Publishes the report (retained) on `<prefix>/<id>/ota/status`. */
  publish: (payload: Uint8Array) => void;
  running: string;
  slot: string;
  /** Progress reports are at least this far apart (state changes always go out), ms. */
  minIntervalMs?: number;
}

type ReportError = OtaReport["error"];

/**
 * Turns the OTA client's status and the trial's outcome into the retained
 * `ota/status` document. Progress is thinned to one report per interval so an
 * update costs a few dozen messages, not one per percent; every change of
 * state goes out at once.
 */
export class OtaReporter {
  readonly #o: OtaReporterOptions;
  #state: OtaReportState = "idle";
  #version: string | null = null;
  #previous: string | null = null;
  #error: ReportError = null;
  #nonce: string | null = null;
  #bytes = 0;
  #total: number | null = null;
  #percent = 0;
  #lastAt = Number.NEGATIVE_INFINITY;

  constructor(options: OtaReporterOptions) {
    this.#o = options;
    options.client.onStatus((status) => this.#onStatus(status));
  }

  /** The state to show until the next update: what the boot found (trial, rolled back, ...). */
  restore(state: OtaReportState, details: { version?: string | null; previous?: string | null; nonce?: string | null; error?: ReportError }): void {
    this.#state = state;
    if (details.version !== undefined) this.#version = details.version;
    if (details.previous !== undefined) this.#previous = details.previous;
    if (details.nonce !== undefined) this.#nonce = details.nonce;
    if (details.error !== undefined) this.#error = details.error;
    if (state === "trial" || state === "confirmed" || state === "rejected" || state === "rolled-back") {
      this.#percent = 100;
    }
  }

  /** The nonce of the command that started the update now beginning. */
  set nonce(nonce: string | null) {
    this.#nonce = nonce;
  }

  get nonce(): string | null {
    return this.#nonce;
  }

  get previous(): string | null {
    return this.#previous;
  }

  /** Publishes the current report (at connect, after boot, after the trial). */
  publish(state?: OtaReportState, error?: ReportError): void {
    if (state !== undefined) this.#state = state;
    if (error !== undefined) this.#error = error;
    this.#lastAt = this.#o.clock.ticks();
    this.#o.publish(encodeUtf8(JSON.stringify(this.report())));
  }

  report(): OtaReport {
    return {
      type: "ota",
      state: this.#state,
      bytes: this.#bytes,
      total: this.#total,
      percent: this.#percent,
      version: this.#version,
      running: this.#o.running,
      slot: this.#o.slot,
      previous: this.#previous,
      error: this.#error,
      nonce: this.#nonce,
    };
  }

  #onStatus(status: OtaStatus): void {
    const changed = status.state !== this.#state;
    if (changed && (status.state === "downloading" || status.state === "receiving" || status.state === "resuming")) {
      // A new update: what the last one left behind no longer applies.
      this.#error = null;
      this.#previous = this.#o.running;
    }
    this.#state = status.state;
    this.#bytes = status.bytes;
    this.#total = status.total ?? null;
    this.#percent = status.percent;
    if (status.version !== undefined) this.#version = status.version;
    if (status.error !== undefined && status.state === "failed") {
      const code = status.error.code as UpdateErrorCode;
      this.#error = { code, number: updateErrorNumber(code) ?? 0, message: status.error.message };
    }
    if (!changed && this.#o.clock.ticks() - this.#lastAt < (this.#o.minIntervalMs ?? 500)) return;
    this.publish();
  }
}
