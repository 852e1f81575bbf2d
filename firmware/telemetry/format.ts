/**
 * Number formatting for telemetry that gives the same text on XS and V8.
 * Number.prototype.toFixed is avoided: XS answers (0.5).toFixed(0) with "0."
 * (found by the XS engine suite), so values are rounded with Math.round and
 * written out digit by digit here.
 */
const POW10 = [1, 10, 100, 1000, 10_000, 100_000, 1_000_000];

/** `value` with exactly `decimals` places (0–6), rounded half away from zero; "null" when not finite. */
export function formatFixed(value: number, decimals: number): string {
  if (!Number.isFinite(value)) return "null";
  const places = Math.max(0, Math.min(6, Math.floor(decimals)));
  const scale = POW10[places]!;
  const scaled = Math.round(Math.abs(value) * scale);
  if (!Number.isSafeInteger(scaled)) return String(value);
  const whole = Math.floor(scaled / scale);
  const sign = value < 0 && scaled !== 0 ? "-" : "";
  if (places === 0) return `${sign}${whole}`;
  let fraction = String(scaled - whole * scale);
  while (fraction.length < places) fraction = `0${fraction}`;
  return `${sign}${whole}.${fraction}`;
}

/** A JSON string literal. */
export function jsonString(text: string): string {
  return JSON.stringify(text);
}
