import { sha512 } from "@noble/hashes/sha2.js";
import { bigIntFromBytesLE, mod, modInverse, modPow } from "./bigint-bytes";

/**
 * Ed25519 verification (RFC 8032 §5.1.7) with the strict decoding rules the
 * RFC prescribes: a public key or R whose y is not reduced, or whose x cannot
 * be recovered, or that encodes -0, is rejected, and so is S >= L, so a
 * valid signature has exactly one accepted encoding (no malleability).
 * The group equation is checked without the cofactor, as [S]B - [k]A = R,
 * by comparing encodings.
 *
 * The device's Ed25519 (Moddable has none) and the trust store's key
 * checks; the pure-JS port uses tweetnacl. Runs on BigInt, which XS has
 * natively; only public values pass through, so the arithmetic need not be
 * constant-time.
 */

const P = 2n ** 255n - 19n;
const L = 2n ** 252n + 27742317777372353535851937790883648493n;
/** -121665/121666 mod p, and sqrt(-1) = 2^((p-1)/4) mod p: literals, so that loading costs nothing at boot (a test recomputes them). */
export const D = 37095705934669439343138083508754565189542113879843219016388785533085940283555n;
export const SQRT_M1 = 19681161376707505956807079304988542015446066515923890162744021073123829784752n;
const D2 = (2n * D) % P;
const BASE_X = 15112221349535400772501151409588531511454012693041857206046113283949847762202n;
const BASE_Y = 46316835694926478169428394003475163141307993866256225615783033603165251855960n;

/** Extended twisted Edwards coordinates: x = X/Z, y = Y/Z, x·y = T/Z. */
interface Point {
  x: bigint;
  y: bigint;
  z: bigint;
  t: bigint;
}

const IDENTITY: Point = { x: 0n, y: 1n, z: 1n, t: 0n };
const BASE: Point = { x: BASE_X, y: BASE_Y, z: 1n, t: (BASE_X * BASE_Y) % P };

/** add-2008-hwcd-3: complete for a = -1, so it also doubles and adds the identity. */
function add(a: Point, b: Point): Point {
  const pa = mod((a.y - a.x) * (b.y - b.x), P);
  const pb = ((a.y + a.x) * (b.y + b.x)) % P;
  const c = (((a.t * D2) % P) * b.t) % P;
  const d = (2n * a.z * b.z) % P;
  const e = mod(pb - pa, P);
  const f = mod(d - c, P);
  const g = (d + c) % P;
  const h = (pb + pa) % P;
  return { x: (e * f) % P, y: (g * h) % P, z: (f * g) % P, t: (e * h) % P };
}

function negate(point: Point): Point {
  return { x: mod(-point.x, P), y: point.y, z: point.z, t: mod(-point.t, P) };
}

/** Why 32 bytes are not a point the strict decoder takes. */
type DecodeFailure = "non-canonical" | "not-on-curve";

/**
 * RFC 8032 §5.1.3, strict: y < p, x recoverable, and no "negative zero".
 * Both refused encodings name a point that has another, canonical encoding.
 */
function decode(bytes: Uint8Array): Point | DecodeFailure {
  if (bytes.length !== 32) return "not-on-curve";
  const sign = bytes[31]! >>> 7;
  const y = bigIntFromBytesLE(bytes) & ((1n << 255n) - 1n);
  if (y >= P) return "non-canonical";
  const y2 = (y * y) % P;
  const u = mod(y2 - 1n, P);
  const v = (D * y2 + 1n) % P;
  const v3 = (((v * v) % P) * v) % P;
  const v7 = (((v3 * v3) % P) * v) % P;
  let x = (((u * v3) % P) * modPow((u * v7) % P, (P - 5n) / 8n, P)) % P;
  const vx2 = (((x * x) % P) * v) % P;
  if (vx2 !== u) {
    if (vx2 !== mod(-u, P)) return "not-on-curve";
    x = (x * SQRT_M1) % P;
  }
  if (x === 0n && sign === 1) return "non-canonical";
  if (Number(x & 1n) !== sign) x = P - x;
  return { x, y, z: 1n, t: (x * y) % P };
}

export function decodeEd25519Point(bytes: Uint8Array): Point | undefined {
  const point = decode(bytes);
  return typeof point === "string" ? undefined : point;
}

/**
 * Why a public key must not be trusted, or undefined if it may. Beyond the
 * strict decoding, a point of small order (one of the 8 whose order divides
 * the cofactor) is refused: under such a key A, [k]A takes at most 8 values
 * whatever the message, so a signature can be forged without the private key
 * (for the identity, R = identity and S = 0 verify every message).
 */
export function ed25519PublicKeyDefect(bytes: Uint8Array): DecodeFailure | "small-order" | undefined {
  const point = decode(bytes);
  if (typeof point === "string") return point;
  let times8 = point;
  for (let i = 0; i < 3; i++) times8 = add(times8, times8);
  return mod(times8.x, P) === 0n && mod(times8.y - times8.z, P) === 0n ? "small-order" : undefined;
}

function encodeMatches(point: Point, expected: Uint8Array): boolean {
  const zInverse = modInverse(point.z, P);
  const x = (point.x * zInverse) % P;
  let y = (point.y * zInverse) % P;
  for (let i = 0; i < 31; i++) {
    if (expected[i] !== Number(y & 0xffn)) return false;
    y >>= 8n;
  }
  return expected[31] === (Number(y) | (Number(x & 1n) << 7));
}

function bitLength(k: bigint): number {
  return k === 0n ? 0 : k.toString(2).length;
}

/** s1·P1 + s2·P2 with one doubling chain (Shamir's trick). */
function mulAdd(s1: bigint, p1: Point, s2: bigint, p2: Point): Point {
  const both = add(p1, p2);
  let acc = IDENTITY;
  for (let bit = Math.max(bitLength(s1), bitLength(s2)) - 1; bit >= 0; bit--) {
    acc = add(acc, acc);
    const shift = BigInt(bit);
    const b1 = (s1 >> shift) & 1n;
    const b2 = (s2 >> shift) & 1n;
    if (b1 === 1n && b2 === 1n) acc = add(acc, both);
    else if (b1 === 1n) acc = add(acc, p1);
    else if (b2 === 1n) acc = add(acc, p2);
  }
  return acc;
}

export function verifyEd25519(publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array): boolean {
  if (publicKey.length !== 32 || signature.length !== 64) return false;
  const a = decodeEd25519Point(publicKey);
  if (a === undefined) return false;
  const s = bigIntFromBytesLE(signature, 32, 32);
  if (s >= L) return false;
  const r = signature.subarray(0, 32);
  const k = bigIntFromBytesLE(sha512.create().update(r).update(publicKey).update(message).digest()) % L;
  return encodeMatches(mulAdd(s, BASE, k, negate(a)), r);
}
