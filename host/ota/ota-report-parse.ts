/**
 * Reads the retained OtaReport a device keeps on `<prefix>/<id>/ota/status`
 * (firmware/ota/ota-report.ts defines it). Anything that is not a report, or
 * carries a state these tools do not know, is ignored rather than guessed at.
 */
import { OTA_REPORT_STATES, type OtaReport, type OtaReportState } from "../../firmware/ota/ota-report";

function stringOrNull(value: unknown): string | null {
  return typeof value === "string" ? value : null;
}

function finiteOr(value: unknown, fallback: number): number {
  return typeof value === "number" && Number.isFinite(value) ? value : fallback;
}

function parseError(value: unknown): OtaReport["error"] {
  if (typeof value !== "object" || value === null) return null;
  const e = value as Record<string, unknown>;
  return { code: typeof e.code === "string" ? e.code : "UNKNOWN", number: finiteOr(e.number, 0), message: typeof e.message === "string" ? e.message : "" };
}

export function parseOtaReport(payload: string): OtaReport | undefined {
  let value: unknown;
  try {
    value = JSON.parse(payload);
  } catch {
    return undefined;
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) return undefined;
  const f = value as Record<string, unknown>;
  if (f.type !== "ota" || typeof f.state !== "string" || !(OTA_REPORT_STATES as readonly string[]).includes(f.state)) return undefined;
  return {
    type: "ota",
    state: f.state as OtaReportState,
    bytes: finiteOr(f.bytes, 0),
    total: typeof f.total === "number" && Number.isFinite(f.total) ? f.total : null,
    percent: finiteOr(f.percent, 0),
    version: stringOrNull(f.version),
    running: typeof f.running === "string" ? f.running : "?",
    slot: typeof f.slot === "string" ? f.slot : "?",
    previous: stringOrNull(f.previous),
    error: parseError(f.error),
    nonce: stringOrNull(f.nonce),
  };
}
