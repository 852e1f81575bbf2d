import { bigIntFromBytesBE, modInverse } from "./bigint-bytes";
import { decodeP256PublicKey, P256, type P256MulAdd } from "./p256";

/**
 * ECDSA verification on P-256 (SEC 1 v2 §4.1.4) given the message digest.
 * Everything but the point arithmetic lives here, so the device (Moddable's
 * native EC multiply) keeps, in code the tests reach, the checks that make a
 * verifier safe: key on the curve, r and s in [1, n-1], R not at infinity,
 * and x(R) reduced mod n before it is compared with r.
 *
 * `signature` is IEEE P1363 (r || s, 32 bytes each); `digest` is SHA-256 of
 * the message, used whole as the integer e since it is exactly as long as n.
 */
export function verifyEcdsaP256Digest(
  mulAdd: P256MulAdd,
  publicKey: Uint8Array,
  digest: Uint8Array,
  signature: Uint8Array,
): boolean {
  if (signature.length !== 64 || digest.length !== 32) return false;
  const q = decodeP256PublicKey(publicKey);
  if (q === undefined) return false;
  const { n } = P256;
  const r = bigIntFromBytesBE(signature, 0, 32);
  const s = bigIntFromBytesBE(signature, 32, 32);
  if (r === 0n || r >= n || s === 0n || s >= n) return false;
  const e = bigIntFromBytesBE(digest) % n;
  const w = modInverse(s, n);
  const u1 = (e * w) % n;
  const u2 = (r * w) % n;
  const x = mulAdd(u1, q, u2);
  if (x === undefined) return false;
  return x % n === r;
}
