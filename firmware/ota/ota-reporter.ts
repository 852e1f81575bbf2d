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
/** The report's fields, kept in one object updated in place: the Modbus status block reads it on every poll. */
export interface OtaReporterStatus {
  state: OtaReportState;
  bytes: number;
  total: number | null;
  percent: number;
  version: string | null;
  previous: string | null;
  error: ReportError;
}

export class OtaReporter {
  readonly #o: OtaReporterOptions;
  readonly #s: OtaReporterStatus = { state: "idle", bytes: 0, total: null, percent: 0, version: null, previous: null, error: null };
  #nonce: string | null = null;
  #lastAt = Number.NEGATIVE_INFINITY;

  constructor(options: OtaReporterOptions) {
    this.#o = options;
    options.client.onStatus((status) => this.#onStatus(status));
  }

  /** Live, allocation-free: what the report would say now. */
  get status(): Readonly<OtaReporterStatus> {
    return this.#s;
  }

  /** The state to show until the next update: what the boot found (trial, rolled back, ...). */
  restore(state: OtaReportState, details: { version?: string | null; previous?: string | null; nonce?: string | null; error?: ReportError }): void {
    const s = this.#s;
    s.state = state;
    if (details.version !== undefined) s.version = details.version;
    if (details.previous !== undefined) s.previous = details.previous;
    if (details.nonce !== undefined) this.#nonce = details.nonce;
    if (details.error !== undefined) s.error = details.error;
    if (state === "trial" || state === "confirmed" || state === "rejected" || state === "rolled-back") s.percent = 100;
  }

  /** The nonce of the command that started the update now beginning. */
  set nonce(nonce: string | null) {
    this.#nonce = nonce;
  }

  get nonce(): string | null {
    return this.#nonce;
  }

  /** Publishes the current report (after boot, after the trial, on every change of state). */
  publish(state?: OtaReportState, error?: ReportError): void {
    if (state !== undefined) this.#s.state = state;
    if (error !== undefined) this.#s.error = error;
    this.#lastAt = this.#o.clock.ticks();
    this.#o.publish(encodeUtf8(JSON.stringify(this.report())));
  }

  report(): OtaReport {
    const s = this.#s;
    return {
      type: "ota",
      state: s.state,
      bytes: s.bytes,
      total: s.total,
      percent: s.percent,
      version: s.version,
      running: this.#o.running,
      slot: this.#o.slot,
      previous: s.previous,
      error: s.error,
      nonce: this.#nonce,
    };
  }

  #onStatus(status: OtaStatus): void {
    const s = this.#s;
    const changed = status.state !== s.state;
    if (changed && (status.state === "downloading" || status.state === "receiving" || status.state === "resuming")) {
      // A new update: what the last one left behind no longer applies. A
      // pushed image (PUT) comes from no command.
      if (status.state === "receiving") this.#nonce = null;
      s.error = null;
      s.version = null;
      s.previous = this.#o.running;
    }
    s.state = status.state;
    s.bytes = status.bytes;
    s.total = status.total ?? null;
    s.percent = status.percent;
    if (status.version !== undefined) s.version = status.version;
    if (status.error !== undefined && status.state === "failed") {
      const code = status.error.code as UpdateErrorCode;
      s.error = { code, number: updateErrorNumber(code) ?? 0, message: status.error.message };
    }
    if (!changed && this.#o.clock.ticks() - this.#lastAt < (this.#o.minIntervalMs ?? 500)) return;
    this.publish();
  }
}
