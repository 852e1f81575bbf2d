import type { Sha256 } from "../crypto/crypto-port";
import { KEY_ID_LENGTH } from "./image-format";

/**
 * A key's id: the first 8 bytes of SHA-256 over its raw public key (65-byte
 * SEC1 point or 32-byte Ed25519 key). It only selects which trusted key to
 * try; the signature is what proves the image, so 64 bits are plenty, and
 * anyone can recompute it, e.g. with
 * `openssl pkey -pubin -in key.pub.pem -outform DER | tail -c 65 | sha256sum`.
 */
export function computeKeyId(sha256: Sha256, publicKey: Uint8Array): Uint8Array {
  const digest = new Uint8Array(32);
  sha256.reset();
  sha256.update(publicKey);
  sha256.digestInto(digest);
  return digest.slice(0, KEY_ID_LENGTH);
}
