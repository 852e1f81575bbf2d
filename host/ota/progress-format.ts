/**
 * How `fieldnode ota push` shows an update: a one-line bar redrawn in place on
 * a terminal, plain lines elsewhere. Pure functions, so the exact text is
 * tested.
 */
import type { OtaReport, OtaReportState } from "../../firmware/ota/ota-report";

export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KiB`;
  return `${(bytes / (1024 * 1024)).toFixed(2)} MiB`;
}

/** Whole seconds as "42s", "3m05s", "1h02m". */
export function formatDuration(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, "0")}s`;
  return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, "0")}m`;
}

export function formatRate(bytesPerSecond: number | null): string {
  return bytesPerSecond === null ? "-" : `${formatBytes(Math.round(bytesPerSecond))}/s`;
}

export function progressBar(percent: number, width: number): string {
  const p = Math.min(100, Math.max(0, percent));
  const filled = Math.round((p / 100) * width);
  return `${"#".repeat(filled)}${"-".repeat(width - filled)}`;
}

export interface ProgressView {
  readonly state: OtaReportState;
  readonly percent: number;
  readonly bytes: number;
  readonly total: number | null;
  readonly rate: number | null;
  /** Seconds left, or null when unknown. */
  readonly eta: number | null;
}

/** The terminal line: state, bar, percent, bytes, rate, ETA (no newline; the caller redraws it with \r). */
export function formatProgressLine(view: ProgressView, barWidth = 24): string {
  const total = view.total === null ? "" : `/${formatBytes(view.total)}`;
  const eta = view.eta === null ? "" : `  ETA ${formatDuration(view.eta)}`;
  return `${view.state.padEnd(11)} [${progressBar(view.percent, barWidth)}] ${String(Math.round(view.percent)).padStart(3)}%  ${formatBytes(view.bytes)}${total}  ${formatRate(view.rate)}${eta}`;
}

/** One plain line per state change (no newline). */
export function describeState(report: OtaReport, target: string): string {
  switch (report.state) {
    case "downloading":
    case "receiving":
    case "resuming":
      return `${report.state} ${report.version ?? target}${report.total === null ? "" : ` (${formatBytes(report.total)})`}`;
    case "installing":
      return `installing ${report.version ?? target} into the inactive slot`;
    case "rebooting":
      return `rebooting into ${report.version ?? target}`;
    case "trial":
      return `trial: ${report.version ?? target} is running on ${report.slot} and proving itself`;
    case "confirmed":
      return `confirmed: ${report.running} kept its slot${report.previous === null ? "" : ` (was ${report.previous})`}`;
    case "rejected":
      return `rejected: ${report.version ?? target} failed its trial${report.error === null ? "" : ` (${report.error.code}: ${report.error.message})`}; going back`;
    case "rolled-back":
      return `rolled back: the device runs ${report.running} again`;
    case "failed":
      return `failed${report.error === null ? "" : `: ${report.error.code}: ${report.error.message}`}`;
    case "idle":
      return "idle";
  }
}
