import { crc32 } from "../core/crc32";
import type { CryptoPort, SignatureAlgorithm } from "./crypto-port";
import { verifyEcdsaP256Digest } from "./ecdsa-p256";
import { verifyEd25519 } from "./ed25519";
import { mulAddJs } from "./p256";
import { Sha256Js } from "./sha256";

/**
 * The crypto port in plain JavaScript: what the XS engine suite runs, and the
 * fallback for any engine without native crypto. SHA-256, ECDSA and Ed25519
 * are this folder's own code (see docs/ota-image-format.md, "Crypto
 * implementations", for why not @noble/curves or tweetnacl directly); SHA-512
 * for Ed25519 comes from @noble/hashes.
 */
export function createPureJsCrypto(): CryptoPort {
  // One scratch digest for ECDSA: verification is synchronous, never re-entered.
  const messageHash = new Sha256Js();
  const digest = new Uint8Array(32);
  return {
    name: "pure-js",
    crc32: (data, seed) => crc32(data, seed),
    createSha256: () => new Sha256Js(),
    verify(algorithm: SignatureAlgorithm, publicKey, message, signature) {
      try {
        if (algorithm === "ecdsa-p256-sha256") {
          messageHash.reset();
          messageHash.update(message);
          messageHash.digestInto(digest);
          return verifyEcdsaP256Digest(mulAddJs, publicKey, digest, signature);
        }
        if (algorithm === "ed25519") return verifyEd25519(publicKey, message, signature);
        return false;
      } catch {
        return false;
      }
    },
  };
}
