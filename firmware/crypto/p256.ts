import { bigIntFromBytesBE, mod, modInverse } from "./bigint-bytes";

/**
 * NIST P-256 (secp256r1, SEC 2 §2.4.2): the curve, public-key decoding and a
 * pure-JS u1·G + u2·Q, the one operation ECDSA verification needs. Only
 * public values pass through here, so the arithmetic need not be
 * constant-time.
 */
export const P256 = {
  p: 0xffffffff00000001000000000000000000000000ffffffffffffffffffffffffn,
  a: 0xffffffff00000001000000000000000000000000fffffffffffffffffffffffcn,
  b: 0x5ac635d8aa3a93e7b3ebbd55769886bc651d06b0cc53b0f63bce3c3e27d2604bn,
  n: 0xffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551n,
  gx: 0x6b17d1f2e12c4247f8bce6e563a440f277037d812deb33a0f4a13945d898c296n,
  gy: 0x4fe342e2fe1a7f9b8ee7eb4a7c0f9e162bce33576b315ececbb6406837bf51f5n,
} as const;

export interface AffinePoint {
  readonly x: bigint;
  readonly y: bigint;
}

/**
 * u1·G + u2·Q, returning the affine x coordinate, or undefined when the sum
 * is the point at infinity. The device implements it with Moddable's native
 * EC code, the pure-JS port with `mulAddJs` below.
 */
export type P256MulAdd = (u1: bigint, q: AffinePoint, u2: bigint) => bigint | undefined;

/**
 * A SEC1 uncompressed point (0x04 || X || Y, 65 bytes), accepted only if both
 * coordinates are field elements and the point is on the curve: an invalid
 * point is the classic way to make a verifier compute on a weaker curve.
 * Compressed points are refused; keys are stored uncompressed.
 */
export function decodeP256PublicKey(bytes: Uint8Array): AffinePoint | undefined {
  if (bytes.length !== 65 || bytes[0] !== 0x04) return undefined;
  const x = bigIntFromBytesBE(bytes, 1, 32);
  const y = bigIntFromBytesBE(bytes, 33, 32);
  if (x >= P256.p || y >= P256.p) return undefined;
  if (!isOnCurve(x, y)) return undefined;
  return { x, y };
}

export function isOnCurve(x: bigint, y: bigint): boolean {
  const { p, a, b } = P256;
  return mod(y * y - ((x * x + a) * x + b), p) === 0n;
}

/** Jacobian coordinates (X/Z², Y/Z³); Z = 0 is the point at infinity. */
interface Jacobian {
  x: bigint;
  y: bigint;
  z: bigint;
}

const INFINITY: Jacobian = { x: 1n, y: 1n, z: 0n };

function double(point: Jacobian): Jacobian {
  const { p } = P256;
  if (point.z === 0n || point.y === 0n) return INFINITY;
  // dbl-2001-b, for a = -3.
  const delta = (point.z * point.z) % p;
  const gamma = (point.y * point.y) % p;
  const beta = (point.x * gamma) % p;
  const alpha = (3n * mod(point.x - delta, p) * ((point.x + delta) % p)) % p;
  const x = mod(alpha * alpha - 8n * beta, p);
  const z = mod((point.y + point.z) * (point.y + point.z) - gamma - delta, p);
  const y = mod(alpha * (4n * beta - x) - 8n * ((gamma * gamma) % p), p);
  return { x, y, z };
}

function add(a: Jacobian, b: Jacobian): Jacobian {
  const { p } = P256;
  if (a.z === 0n) return b;
  if (b.z === 0n) return a;
  // add-2007-bl, with the equal and opposite cases that Shamir's trick can
  // reach in the middle of a multiplication (Wycheproof tests exactly those).
  const z1z1 = (a.z * a.z) % p;
  const z2z2 = (b.z * b.z) % p;
  const u1 = (a.x * z2z2) % p;
  const u2 = (b.x * z1z1) % p;
  const s1 = (((a.y * b.z) % p) * z2z2) % p;
  const s2 = (((b.y * a.z) % p) * z1z1) % p;
  const h = mod(u2 - u1, p);
  const rr = mod(2n * (s2 - s1), p);
  if (h === 0n) return rr === 0n ? double(a) : INFINITY;
  const i = (4n * h * h) % p;
  const j = (h * i) % p;
  const v = (u1 * i) % p;
  const x = mod(rr * rr - j - 2n * v, p);
  const y = mod(rr * (v - x) - 2n * ((s1 * j) % p), p);
  const z = mod(((a.z + b.z) * (a.z + b.z) - z1z1 - z2z2) % p * h, p);
  return { x, y, z };
}

function bitLength(k: bigint): number {
  return k === 0n ? 0 : k.toString(2).length;
}

/** u1·G + u2·Q by Shamir's trick: one doubling chain for both products. */
export const mulAddJs: P256MulAdd = (u1, q, u2) => {
  const g: Jacobian = { x: P256.gx, y: P256.gy, z: 1n };
  const qj: Jacobian = { x: q.x, y: q.y, z: 1n };
  const both = add(g, qj);
  let acc = INFINITY;
  for (let bit = Math.max(bitLength(u1), bitLength(u2)) - 1; bit >= 0; bit--) {
    acc = double(acc);
    const shift = BigInt(bit);
    const b1 = (u1 >> shift) & 1n;
    const b2 = (u2 >> shift) & 1n;
    if (b1 === 1n && b2 === 1n) acc = add(acc, both);
    else if (b1 === 1n) acc = add(acc, g);
    else if (b2 === 1n) acc = add(acc, qj);
  }
  if (acc.z === 0n) return undefined;
  const zInverse = modInverse(acc.z, P256.p);
  return (acc.x * ((zInverse * zInverse) % P256.p)) % P256.p;
};
