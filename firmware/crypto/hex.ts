/** Lowercase hex, the form key ids, digests and public keys take in files and logs. */
const DIGITS = "0123456789abcdef";

export function toHex(bytes: Uint8Array): string {
  let out = "";
  for (let i = 0; i < bytes.length; i++) out += DIGITS[bytes[i]! >>> 4]! + DIGITS[bytes[i]! & 15]!;
  return out;
}

/** The bytes of an even-length hex string (either case), or undefined if it is not one. */
export function fromHex(text: string): Uint8Array | undefined {
  if (text.length % 2 !== 0 || !/^[0-9a-fA-F]*$/.test(text)) return undefined;
  const out = new Uint8Array(text.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(text.slice(2 * i, 2 * i + 2), 16);
  return out;
}
