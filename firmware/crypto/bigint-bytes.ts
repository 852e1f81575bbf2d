/**
 * Byte strings to and from BigInt, and the modular arithmetic the signature
 * verifiers share. BigInt is native in XS, so this runs unchanged on the
 * device, in the XS engine suite and on Node.
 */

const HEX = "0123456789abcdef";

/** Big-endian unsigned integer of bytes[offset, offset + length). */
export function bigIntFromBytesBE(bytes: Uint8Array, offset = 0, length = bytes.length - offset): bigint {
  if (length === 0) return 0n;
  let hex = "0x";
  for (let i = offset; i < offset + length; i++) {
    const byte = bytes[i]!;
    hex += HEX[byte >>> 4]! + HEX[byte & 15]!;
  }
  return BigInt(hex);
}

/** Little-endian unsigned integer of bytes[offset, offset + length). */
export function bigIntFromBytesLE(bytes: Uint8Array, offset = 0, length = bytes.length - offset): bigint {
  if (length === 0) return 0n;
  let hex = "0x";
  for (let i = offset + length - 1; i >= offset; i--) {
    const byte = bytes[i]!;
    hex += HEX[byte >>> 4]! + HEX[byte & 15]!;
  }
  return BigInt(hex);
}

/** The non-negative residue of a modulo m (BigInt % keeps the dividend's sign). */
export function mod(a: bigint, m: bigint): bigint {
  const r = a % m;
  return r < 0n ? r + m : r;
}

/**
 * a⁻¹ mod m by the extended Euclidean algorithm; m must be prime and a not a
 * multiple of it (callers check ranges first). Throws rather than return a
 * wrong inverse, which the verifiers turn into "not a valid signature".
 */
export function modInverse(a: bigint, m: bigint): bigint {
  let r0 = m;
  let r1 = mod(a, m);
  let t0 = 0n;
  let t1 = 1n;
  while (r1 !== 0n) {
    const q = r0 / r1;
    const r2 = r0 - q * r1;
    r0 = r1;
    r1 = r2;
    const t2 = t0 - q * t1;
    t0 = t1;
    t1 = t2;
  }
  if (r0 !== 1n) throw new RangeError("no modular inverse");
  return mod(t0, m);
}

/** base^exponent mod m (right-to-left square-and-multiply; exponents here are public). */
export function modPow(base: bigint, exponent: bigint, m: bigint): bigint {
  let result = 1n;
  let b = mod(base, m);
  let e = exponent;
  while (e > 0n) {
    if (e & 1n) result = (result * b) % m;
    b = (b * b) % m;
    e >>= 1n;
  }
  return result;
}
