/** The table a rollout ends with: one row per device, in rollout order. */
import type { DeviceRecord } from "./rollout-state";
import { formatTable } from "./table";

export const SUMMARY_HEADERS = ["device", "wave", "result", "version", "time", "error"] as const;

export function summaryRow(device: string, record: DeviceRecord | undefined, target: string): string[] {
  if (record === undefined) return [device, "-", "not started", "-", "-", ""];
  const version = record.result === "up-to-date" ? `${target} (already)` : `${record.from ?? "?"} -> ${record.result === "confirmed" ? record.to : `${record.to} (not installed)`}`;
  const time = record.ms === null ? "-" : `${(record.ms / 1000).toFixed(1)} s`;
  const error = record.error === null ? "" : `${record.error.code}: ${record.error.message}`;
  return [device, record.wave, record.result, record.result === "in-flight" ? "-" : version, time, error];
}

export function formatSummary(devices: readonly string[], records: Readonly<Record<string, DeviceRecord>>, target: string): string {
  return formatTable(SUMMARY_HEADERS, devices.map((d) => summaryRow(d, records[d], target)));
}
