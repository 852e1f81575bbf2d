/**
 * A rollout's record on disk (`--state FILE`), rewritten atomically after
 * every device outcome, so a rollout stopped at any point (Ctrl-C, a closed
 * laptop, a halt) is resumed by running it again with the same file: devices
 * already done are skipped, and devices that were in flight are re-checked
 * from the OTA report they keep retained on the broker.
 */
import { readFileSync } from "node:fs";
import { isFinalOtaState, type OtaReport, type OtaReportState } from "../../firmware/ota/ota-report";
import { writeFileAtomic } from "../keys/atomic-write";
import type { DeviceUpdateResult } from "./device-update";
import type { UpdateError } from "./update-match";

export const ROLLOUT_STATE_FORMAT = "fieldnode-rollout";

export type DeviceRecordResult = DeviceUpdateResult | "in-flight" | "up-to-date";

export interface DeviceRecord {
  readonly wave: string;
  readonly result: DeviceRecordResult;
  /** The nonce of the ota.start sent to it (what an in-flight device is re-checked by). */
  readonly nonce: string | null;
  readonly from: string | null;
  readonly to: string;
  readonly ms: number | null;
  readonly error: UpdateError | null;
  /** ISO time of this record. */
  readonly at: string;
}

export interface RolloutState {
  readonly format: typeof ROLLOUT_STATE_FORMAT;
  readonly version: 1;
  readonly image: { readonly version: string; readonly sha256: string };
  devices: Record<string, DeviceRecord>;
  /** Why the last run halted, or null. */
  halted: string | null;
}

export class RolloutStateError extends Error {
  override name = "RolloutStateError";
}

export function newRolloutState(image: { version: string; sha256: string }): RolloutState {
  return { format: ROLLOUT_STATE_FORMAT, version: 1, image: { version: image.version, sha256: image.sha256 }, devices: {}, halted: null };
}

export function parseRolloutState(text: string, source: string): RolloutState {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new RolloutStateError(`${source} is not JSON; it is not a rollout state file (or it was edited)`);
  }
  const v = value as Partial<RolloutState> | null;
  if (v === null || typeof v !== "object" || v.format !== ROLLOUT_STATE_FORMAT || v.version !== 1) {
    throw new RolloutStateError(`${source} is not a fieldnode rollout state file (format "${ROLLOUT_STATE_FORMAT}", version 1)`);
  }
  if (typeof v.image?.version !== "string" || typeof v.image.sha256 !== "string" || typeof v.devices !== "object" || v.devices === null) {
    throw new RolloutStateError(`${source}: the rollout state lacks its image or devices`);
  }
  return { format: ROLLOUT_STATE_FORMAT, version: 1, image: v.image, devices: v.devices, halted: typeof v.halted === "string" ? v.halted : null };
}

/** The state in `path`, or undefined when there is no such file yet. */
export function loadRolloutState(path: string): RolloutState | undefined {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw error;
  }
  return parseRolloutState(text, path);
}

export function saveRolloutState(path: string, state: RolloutState): void {
  writeFileAtomic({ path, data: `${JSON.stringify(state, null, 2)}\n`, mode: 0o644 });
}

const SETTLED: ReadonlySet<OtaReportState> = new Set(["idle", "confirmed", "failed", "rolled-back"]);

export function isSuccess(result: DeviceRecordResult): boolean {
  return result === "confirmed" || result === "up-to-date";
}

export type StartDecision =
  /** Done in an earlier run. */
  | { readonly kind: "done" }
  /** In flight when the last run stopped, and confirmed on the version since. */
  | { readonly kind: "confirmed" }
  /** Already runs the version, confirmed: nothing to send. */
  | { readonly kind: "up-to-date" }
  /** Its update from an earlier run is still going: follow it to the end. */
  | { readonly kind: "follow"; readonly nonce: string }
  | { readonly kind: "start" };

/**
 * What to do with a device at the start of a run, from its record in the
 * state file and the OTA report it keeps retained.
 */
export function decideStart(record: DeviceRecord | undefined, report: OtaReport | undefined, version: string): StartDecision {
  // Running the version and not in the middle of an update (a rollback or a failed update of
  // something else leaves the running image as it was: confirmed).
  const settledOnVersion = report !== undefined && report.running === version && SETTLED.has(report.state);
  if (record !== undefined && isSuccess(record.result)) return { kind: "done" };
  if (record?.result === "in-flight" && record.nonce !== null) {
    if (report?.state === "confirmed" && report.running === version) return { kind: "confirmed" };
    if (report !== undefined && report.nonce === record.nonce && !isFinalOtaState(report.state)) return { kind: "follow", nonce: record.nonce };
  }
  if (settledOnVersion) return { kind: "up-to-date" };
  return { kind: "start" };
}
