/**
 * `fieldnode ota status`: one row per device from what it keeps retained on
 * the broker, its presence and its last OTA report.
 */
import type { DeviceView } from "../commands/device-watch";
import { formatTable } from "./table";

export const STATUS_HEADERS = ["device", "online", "state", "running", "previous", "percent", "error"] as const;

export function statusRow(id: string, view: DeviceView | undefined): string[] {
  const r = view?.report;
  const online = view?.online === undefined ? "?" : view.online ? "yes" : "no";
  if (r === undefined) return [id, online, view === undefined ? "unknown" : "-", "-", "-", "-", ""];
  const transferring = r.state === "downloading" || r.state === "receiving" || r.state === "resuming";
  const state = transferring || r.state === "installing" || r.state === "rebooting" || r.state === "trial" ? `${r.state}${r.version === null ? "" : ` ${r.version}`}` : r.state;
  return [id, online, state, r.running, r.previous ?? "-", transferring || r.state === "installing" ? `${r.percent}%` : "-", r.error === null ? "" : `${r.error.code}: ${r.error.message}`];
}

export function formatStatusTable(ids: readonly string[], view: (id: string) => DeviceView | undefined): string {
  return formatTable(STATUS_HEADERS, ids.map((id) => statusRow(id, view(id))));
}

/** The JSON form of a row (for --json). */
export function statusJson(id: string, view: DeviceView | undefined): Record<string, unknown> {
  return { device: id, known: view !== undefined, online: view?.online ?? null, report: view?.report ?? null };
}
