import { bigIntFromBytesBE, mod } from "./bigint-bytes";

/**
 * NIST P-256 (secp256r1, SEC 2 §2.4.2): the curve and public-key decoding,
 * shared by the device's ECDSA checks (ecdsa-p256.ts) and the trust store.
 * The point arithmetic itself is Moddable's native EC code on the device and
 * @noble/curves in the pure-JS port.
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
 * is the point at infinity: the one expensive step of ECDSA verification,
 * which the device hands to Moddable's native EC code.
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
