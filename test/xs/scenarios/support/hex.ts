/**
 * Scenario results must be JSON; bytes travel as lowercase hex. Written with
 * the language only (no TextEncoder, no Buffer) because it runs in both engines.
 */
export function toHex(bytes: ArrayLike<number>): string {
  let out = "";
  for (let i = 0; i < bytes.length; i++) out += (bytes[i]! & 0xff).toString(16).padStart(2, "0");
  return out;
}

/** 32-bit unsigned as 8 hex digits, the form CRCs and register dumps are compared in. */
export function u32Hex(value: number): string {
  return (value >>> 0).toString(16).padStart(8, "0");
}
