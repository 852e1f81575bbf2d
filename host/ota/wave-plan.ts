/**
 * How a rollout widens: canaries first, then waves. `--waves 10%,50%,100%`
 * gives how much of the fleet is done by the end of each wave (cumulative,
 * canaries included); `--waves 5,20` gives each wave's size, the last one
 * repeated until every device is covered.
 */
export type WaveSpec = { readonly kind: "percent"; readonly cumulative: readonly number[] } | { readonly kind: "sizes"; readonly sizes: readonly number[] };

export const DEFAULT_WAVES = "10%,50%,100%";

/** Parses --waves; returns a sentence saying what is wrong instead. */
export function parseWaveSpec(text: string): WaveSpec | string {
  const parts = text.split(",").map((p) => p.trim());
  if (parts.length === 0 || parts.some((p) => p === "")) return `--waves "${text}" has an empty entry; write e.g. 10%,50%,100% or 5,20`;
  if (parts.every((p) => /^\d+(\.\d+)?%$/.test(p))) {
    const cumulative = parts.map((p) => Number(p.slice(0, -1)));
    if (cumulative.some((p) => p <= 0 || p > 100)) return `--waves "${text}": each share must be more than 0% and at most 100%`;
    if (cumulative.some((p, i) => i > 0 && p <= cumulative[i - 1]!)) return `--waves "${text}": shares are cumulative, so each must be larger than the one before`;
    if (cumulative.at(-1) !== 100) return `--waves "${text}": the last wave must reach 100%`;
    return { kind: "percent", cumulative };
  }
  if (parts.every((p) => /^[1-9]\d*$/.test(p))) return { kind: "sizes", sizes: parts.map(Number) };
  return `--waves "${text}" must be all percentages (10%,50%,100%) or all wave sizes (5,20)`;
}

export interface Wave {
  /** "canary", then "1", "2", ... */
  readonly label: string;
  readonly devices: readonly string[];
}

/** Splits `devices` (in order) into the canary wave and the waves of `spec`; empty waves are left out. */
export function planWaves(devices: readonly string[], canary: number, spec: WaveSpec): Wave[] {
  const n = devices.length;
  const waves: Wave[] = [];
  let done = Math.min(canary, n);
  if (done > 0) waves.push({ label: "canary", devices: devices.slice(0, done) });
  const push = (end: number): void => {
    if (end <= done) return;
    waves.push({ label: String(waves.filter((w) => w.label !== "canary").length + 1), devices: devices.slice(done, end) });
    done = end;
  };
  if (spec.kind === "percent") {
    for (const p of spec.cumulative) push(Math.min(n, Math.ceil((p / 100) * n - 1e-9)));
  } else {
    for (let i = 0; done < n; i++) push(Math.min(n, done + spec.sizes[Math.min(i, spec.sizes.length - 1)]!));
  }
  return waves;
}
