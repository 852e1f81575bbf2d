/**
 * What the device publishes, retained, on `<prefix>/<device-id>/ota/status`:
 * one JSON document per change, so a tool that subscribes late still sees
 * where the device stands. Shared with the `fieldnode ota` tools.
 *
 * The OTA client's own states (downloading … failed) are followed, after the
 * restart, by the trial's: "trial" while the new image proves itself,
 * "confirmed" once it keeps its slot, "rejected" when it gives up its slot,
 * and "rolled-back", which the previous image reports when it finds itself
 * running again.
 */
import type { OtaState } from "./ota-client";

export type OtaReportState = OtaState | "trial" | "confirmed" | "rejected" | "rolled-back";

export const OTA_REPORT_STATES: readonly OtaReportState[] = [
  "idle",
  "downloading",
  "receiving",
  "resuming",
  "installing",
  "rebooting",
  "failed",
  "trial",
  "confirmed",
  "rejected",
  "rolled-back",
];

export interface OtaReport {
  readonly type: "ota";
  readonly state: OtaReportState;
  /** Image bytes received so far, and the total once known. */
  readonly bytes: number;
  readonly total: number | null;
  /** 0-100. */
  readonly percent: number;
  /** The version being installed, tried, confirmed or rejected; null before a header is authenticated. */
  readonly version: string | null;
  /** The version running now, and its slot. */
  readonly running: string;
  readonly slot: string;
  /** The version that ran before the last update (or, after a rollback, the one that was rejected). */
  readonly previous: string | null;
  readonly error: { readonly code: string; readonly number: number; readonly message: string } | null;
  /** The nonce of the signed command that started this update, so a tool can tell its update from another. */
  readonly nonce: string | null;
}

/** Terminal states: an update that reached one of these is over. */
export function isFinalOtaState(state: OtaReportState): boolean {
  return state === "confirmed" || state === "rolled-back" || state === "failed";
}
