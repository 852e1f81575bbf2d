/**
 * ECDSA signatures between DER (SEQUENCE { INTEGER r, INTEGER s }, what
 * openssl and X.509 produce) and IEEE P1363 (r || s, what image headers and
 * the crypto port carry).
 *
 * The decoder accepts DER only, never BER: one definite minimal length per
 * element, minimal positive INTEGERs, nothing after the sequence. Every
 * alternative encoding of the same (r, s) is refused, so a signature has one
 * byte form (Wycheproof's BER and malleability vectors check exactly this).
 */

/** r || s, each `size` bytes, or undefined if `der` is not strict DER or a value does not fit. */
export function ecdsaDerToP1363(der: Uint8Array, size = 32): Uint8Array | undefined {
  const sequence = readElement(der, 0, 0x30);
  if (sequence === undefined || sequence.end !== der.length) return undefined;
  const r = readElement(der, sequence.start, 0x02);
  if (r === undefined) return undefined;
  const s = readElement(der, r.end, 0x02);
  if (s === undefined || s.end !== sequence.end) return undefined;
  const out = new Uint8Array(2 * size);
  if (!copyInteger(der, r.start, r.end, out, 0, size)) return undefined;
  if (!copyInteger(der, s.start, s.end, out, size, size)) return undefined;
  return out;
}

/** DER SEQUENCE { r, s } from r || s (two equal halves). */
export function ecdsaP1363ToDer(signature: Uint8Array): Uint8Array {
  if (signature.length === 0 || signature.length % 2 !== 0) throw new RangeError("P1363 signature must be two equal halves");
  const half = signature.length / 2;
  const r = derInteger(signature.subarray(0, half));
  const s = derInteger(signature.subarray(half));
  const body = r.length + s.length;
  const header = body < 0x80 ? [0x30, body] : [0x30, 0x81, body];
  if (body > 0xff) throw new RangeError("signature too long for this encoder");
  const out = new Uint8Array(header.length + body);
  out.set(header, 0);
  out.set(r, header.length);
  out.set(s, header.length + r.length);
  return out;
}

interface Element {
  start: number;
  end: number;
}

function readElement(bytes: Uint8Array, offset: number, tag: number): Element | undefined {
  if (offset + 2 > bytes.length || bytes[offset] !== tag) return undefined;
  let length = bytes[offset + 1]!;
  let start = offset + 2;
  if (length >= 0x80) {
    const count = length & 0x7f;
    // Long form only where the short form cannot say it, without leading
    // zeros; more than two length bytes cannot occur in an ECDSA signature.
    if (count === 0 || count > 2 || start + count > bytes.length) return undefined;
    length = 0;
    for (let i = 0; i < count; i++) length = (length << 8) | bytes[start + i]!;
    if (bytes[start] === 0 || length < 0x80) return undefined;
    start += count;
  }
  const end = start + length;
  if (end > bytes.length) return undefined;
  return { start, end };
}

function copyInteger(bytes: Uint8Array, start: number, end: number, out: Uint8Array, at: number, size: number): boolean {
  if (end === start) return false;
  // Negative numbers are not valid r or s.
  if ((bytes[start]! & 0x80) !== 0) return false;
  let first = start;
  if (bytes[start] === 0) {
    // A leading zero is allowed only to keep the next byte's high bit from reading as a sign.
    if (end - start === 1) {
      // The integer 0: well-formed DER, out of range for ECDSA (the verifier refuses it).
    } else if ((bytes[start + 1]! & 0x80) === 0) return false;
    first = start + 1;
  }
  const length = end - first;
  if (length > size) return false;
  out.set(bytes.subarray(first, end), at + size - length);
  return true;
}

function derInteger(value: Uint8Array): Uint8Array {
  let first = 0;
  while (first < value.length - 1 && value[first] === 0) first++;
  const digits = value.subarray(first);
  const pad = (digits[0]! & 0x80) !== 0 ? 1 : 0;
  const out = new Uint8Array(2 + pad + digits.length);
  out[0] = 0x02;
  out[1] = pad + digits.length;
  out.set(digits, 2 + pad);
  return out;
}
