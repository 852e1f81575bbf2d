/**
 * What `fieldnode ota push` prints while it follows an update: on a terminal
 * one live line per state, redrawn in place (the download as a bar with
 * rate and ETA, the waits after it with the time spent so far, tick() keeps
 * it moving through the silent trial) and left behind when the state
 * changes; in a log (not a terminal) a plain line per state change; with
 * --json one JSON event per line (command-result, state, progress, outcome).
 */
import type { OtaReport } from "../../firmware/ota/ota-report";
import type { DeviceUpdateOutcome, UpdateEvent } from "./device-update";
import { describeState, formatDuration, formatProgressLine } from "./progress-format";
import { RateMeter } from "./rate-meter";

export type PrintMode = "bar" | "lines" | "json";

const TRANSFER = new Set(["downloading", "receiving", "resuming"]);

export class PushPrinter {
  readonly #mode: PrintMode;
  readonly #write: (text: string) => void;
  readonly #device: string;
  readonly #target: string;
  readonly #now: () => number;
  readonly #meter = new RateMeter();
  /** The live line on screen (without its newline), and since when its state holds. */
  #live: { report: OtaReport; since: number } | undefined;

  constructor(mode: PrintMode, write: (text: string) => void, device: string, target: string, now: () => number = Date.now) {
    this.#mode = mode;
    this.#write = write;
    this.#device = device;
    this.#target = target;
    this.#now = now;
  }

  #json(value: Record<string, unknown>): void {
    this.#write(`${JSON.stringify(value)}\n`);
  }

  #line(text: string): void {
    this.#closeLive();
    this.#write(`${text}\n`);
  }

  /** A line printed above the live line, which stays open below it. */
  #above(text: string): void {
    if (this.#live === undefined) return this.#write(`${text}\n`);
    this.#write(`\r${text}\x1b[K\n`);
    this.#drawLive();
  }

  #liveText(report: OtaReport, since: number): string {
    if (!TRANSFER.has(report.state)) return `${describeState(report, this.#target)}  ${formatDuration((this.#now() - since) / 1000)}`;
    return formatProgressLine({ state: report.state, percent: report.percent, bytes: report.bytes, total: report.total, rate: this.#meter.rate(), eta: this.#meter.eta(report.bytes, report.total) });
  }

  #drawLive(): void {
    if (this.#live !== undefined) this.#write(`\r${this.#liveText(this.#live.report, this.#live.since)}\x1b[K`);
  }

  #closeLive(): void {
    if (this.#live !== undefined) this.#write("\n");
    this.#live = undefined;
  }

  /** Redraws the live line (the push calls it every second on a terminal). */
  tick(): void {
    if (this.#mode === "bar") this.#drawLive();
  }

  event(event: UpdateEvent): void {
    if (event.kind === "command-result") {
      const r = event.result;
      if (this.#mode === "json") return this.#json({ event: "command-result", device: this.#device, ...r });
      if (r.result === "accepted") this.#above(`${this.#device} accepted ${r.command ?? "the command"}${r.message === "" ? "" : `: ${r.message}`}`);
      return;
    }
    if (event.kind === "presence") {
      // On a terminal the live line already says the device is restarting.
      if (this.#mode === "lines") this.#above(`${this.#device} is ${event.online ? "online" : "offline"}`);
      return;
    }
    const report = event.report;
    const now = this.#now();
    if (TRANSFER.has(report.state)) this.#meter.add(now, report.bytes);
    const rate = this.#meter.rate();
    const eta = this.#meter.eta(report.bytes, report.total);
    if (this.#mode === "json") {
      if (event.kind === "state") {
        this.#json({ event: "state", device: this.#device, state: report.state, version: report.version, running: report.running, slot: report.slot, previous: report.previous, error: report.error });
      }
      if (TRANSFER.has(report.state)) {
        this.#json({ event: "progress", device: this.#device, state: report.state, bytes: report.bytes, total: report.total, percent: report.percent, rate: rate === null ? null : Math.round(rate), eta: eta === null ? null : Math.round(eta) });
      }
      return;
    }
    if (this.#mode === "bar") {
      const live = this.#live;
      if (event.kind === "progress" && live !== undefined) {
        live.report = report;
        return this.#drawLive();
      }
      // Leaving the download: show the bar as it ended (the next report has the final byte count).
      if (live !== undefined && TRANSFER.has(live.report.state) && !TRANSFER.has(report.state)) {
        this.#meter.add(now, report.bytes);
        live.report = { ...live.report, bytes: report.bytes, total: report.total, percent: report.percent };
        this.#drawLive();
      }
      this.#closeLive();
      if (isFinal(report)) return this.#line(describeState(report, this.#target));
      this.#live = { report, since: now };
      return this.#drawLive();
    }
    if (event.kind === "state") this.#line(describeState(report, this.#target));
  }

  outcome(outcome: DeviceUpdateOutcome, exit: number): void {
    if (this.#mode === "json") {
      return this.#json({
        event: "outcome",
        device: outcome.device,
        result: outcome.result,
        from: outcome.from,
        to: outcome.to,
        running: outcome.running,
        seconds: Math.round(outcome.ms / 100) / 10,
        error: outcome.error,
        exit,
      });
    }
    this.#line(describeOutcome(outcome));
  }
}

function isFinal(report: OtaReport): boolean {
  return report.state === "confirmed" || report.state === "failed" || report.state === "rolled-back";
}

/** The last line of a push: what became of the update, and why when it failed. */
export function describeOutcome(o: DeviceUpdateOutcome): string {
  const seconds = `${(o.ms / 1000).toFixed(1)} s`;
  const why = o.error === null ? "" : `: ${o.error.code}${o.error.number === null ? "" : ` (${o.error.number})`}: ${o.error.message}`;
  switch (o.result) {
    case "confirmed":
      return `updated ${o.device}: ${o.from ?? "?"} -> ${o.to}, confirmed after its trial (${seconds})`;
    case "refused":
      return `${o.device} refused the command: ${o.refusal?.reason ?? "refused"}: ${o.refusal?.message ?? ""}`;
    case "rolled-back":
      return `update of ${o.device} to ${o.to} rolled back; it runs ${o.running ?? o.from ?? "?"} again (${seconds})${why}`;
    case "failed":
      return `update of ${o.device} to ${o.to} failed (${seconds})${why}`;
    case "no-answer":
    case "stalled":
      return `update of ${o.device} to ${o.to}: ${o.error?.message ?? o.result}`;
  }
}
