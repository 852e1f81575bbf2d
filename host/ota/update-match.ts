/**
 * Which OTA reports belong to the update a tool started. A device keeps one
 * retained report, so a tool that subscribes sees whatever the last update
 * left there; the reports of *this* update carry the nonce of the command
 * that started it. After the restart a report may lack the nonce (an image
 * that cannot know it); those count only once the device accepted our
 * command, and only for the version we sent.
 */
import type { OtaReport, OtaReportState } from "../../firmware/ota/ota-report";

const AFTER_RESTART: ReadonlySet<OtaReportState> = new Set(["trial", "confirmed", "rejected", "rolled-back"]);

export interface UpdateIdentity {
  readonly nonce: string;
  /** The version being installed. */
  readonly version: string;
}

export function belongsToUpdate(report: OtaReport, update: UpdateIdentity, accepted: boolean): boolean {
  if (report.nonce !== null) return report.nonce === update.nonce;
  if (!accepted || !AFTER_RESTART.has(report.state)) return false;
  // A rollback is reported by the old image: the version it rejected is `previous` (or still `version`).
  if (report.state === "rolled-back") return report.previous === update.version || report.version === update.version;
  return report.version === update.version;
}

export type UpdateResult = "confirmed" | "failed" | "rolled-back";

export interface UpdateError {
  readonly code: string;
  readonly number: number | null;
  readonly message: string;
}

/** Why a final report is a failure, in the device's words when it gave them. */
export function failureOf(report: OtaReport): UpdateError | null {
  if (report.state === "confirmed") return null;
  if (report.error !== null) return { code: report.error.code, number: report.error.number, message: report.error.message };
  if (report.state === "rolled-back") return { code: "ROLLED_BACK", number: null, message: `the new image did not confirm; the device went back to ${report.running}` };
  return { code: "FAILED", number: null, message: "the device reported the update failed without saying why" };
}
