/**
 * `--max-failures`: how many failed or rolled-back devices a rollout
 * tolerates before it halts. A count ("2") or a share of the devices in the
 * run ("10%", rounded down). The rollout halts when failures *exceed* it, so
 * the default 0 halts at the first failure.
 */
export type FailureThreshold = { readonly kind: "count"; readonly count: number } | { readonly kind: "percent"; readonly percent: number };

export function parseFailureThreshold(text: string): FailureThreshold | string {
  if (/^\d+$/.test(text)) return { kind: "count", count: Number(text) };
  if (/^\d+(\.\d+)?%$/.test(text)) {
    const percent = Number(text.slice(0, -1));
    if (percent > 100) return `--max-failures "${text}": a share is at most 100%`;
    return { kind: "percent", percent };
  }
  return `--max-failures takes a count (2) or a share of the devices (10%), got "${text}"`;
}

/** Failures tolerated in a run over `total` devices. */
export function allowedFailures(threshold: FailureThreshold, total: number): number {
  return threshold.kind === "count" ? threshold.count : Math.floor((threshold.percent / 100) * total + 1e-9);
}

export function thresholdExceeded(failures: number, threshold: FailureThreshold, total: number): boolean {
  return failures > allowedFailures(threshold, total);
}

export function describeThreshold(threshold: FailureThreshold, total: number): string {
  const allowed = allowedFailures(threshold, total);
  const share = threshold.kind === "percent" ? ` (${threshold.percent}% of ${total})` : "";
  return allowed === 0 ? "halt at the first failure" : `halt after more than ${allowed} failure${allowed === 1 ? "" : "s"}${share}`;
}
