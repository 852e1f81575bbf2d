/**
 * ECDSA P-256 signing FOR TESTS ONLY, in plain JavaScript, so that XS
 * scenarios can build signed images inside the engine. The nonce is derived
 * from the digest and the key without RFC 6979's HMAC-DRBG: deterministic,
 * which tests want, and not how a real signer may ever pick k. Real images
 * are signed by host/keys with node:crypto.
 */
import { bigIntFromBytesBE, bigIntToBytesBE, modInverse } from "../../../firmware/crypto/bigint-bytes";
import { fromHex } from "../../../firmware/crypto/hex";
import { mulAddJs, P256 } from "../../../firmware/crypto/p256";
import { Sha256Js } from "../../../firmware/crypto/sha256";

/** The P-256 key of RFC 6979 appendix A.2.5. */
export const TEST_P256_PRIVATE = 0xc9afa9d845ba75166b5c215767b1d6934e50c3db36e89b127b8a622b120f6721n;
export const TEST_P256_PUBLIC: Uint8Array = fromHex(
  "04" +
    "60fed4ba255a9d31c961eb74c6356d68c049b8923b61fa6ce669622e60f29fb6" +
    "7903fe1008b8bc99a41ae9e95628bc64f2f1b20c2d7e9f5177a3c294d4462299",
)!;

export function signP256ForTests(message: Uint8Array, privateKey: bigint = TEST_P256_PRIVATE): Uint8Array {
  const { n } = P256;
  const sha = new Sha256Js();
  const digest = new Uint8Array(32);
  sha.update(message);
  sha.digestInto(digest);
  const e = bigIntFromBytesBE(digest) % n;
  const k = ((bigIntFromBytesBE(digest) ^ privateKey) % (n - 1n)) + 1n;
  const x = mulAddJs(k, { x: P256.gx, y: P256.gy }, 0n);
  if (x === undefined) throw new Error("test signer: k·G is infinity");
  const r = x % n;
  const s = (modInverse(k, n) * ((e + r * privateKey) % n)) % n;
  if (r === 0n || s === 0n) throw new Error("test signer: degenerate signature");
  const signature = new Uint8Array(64);
  signature.set(bigIntToBytesBE(r, 32), 0);
  signature.set(bigIntToBytesBE(s, 32), 32);
  return signature;
}
