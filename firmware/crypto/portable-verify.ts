import type { CryptoPort, Sha256, SignatureAlgorithm } from "./crypto-port";
import { verifyEcdsaP256Digest } from "./ecdsa-p256";
import { verifyEd25519 } from "./ed25519";
import type { P256MulAdd } from "./p256";

/**
 * Signature checks over the portable ECDSA and Ed25519 code, for ports that
 * differ only in their SHA-256 and in who computes u1*G + u2*Q (JavaScript or
 * Moddable's native EC). One scratch digest: verification is synchronous and
 * never re-entered. Never throws, as CryptoPort.verify promises.
 */
export function portableVerify(messageHash: Sha256, mulAdd: P256MulAdd): CryptoPort["verify"] {
  const digest = new Uint8Array(32);
  return (algorithm: SignatureAlgorithm, publicKey, message, signature) => {
    try {
      if (algorithm === "ecdsa-p256-sha256") {
        messageHash.reset();
        messageHash.update(message);
        messageHash.digestInto(digest);
        return verifyEcdsaP256Digest(mulAdd, publicKey, digest, signature);
      }
      if (algorithm === "ed25519") return verifyEd25519(publicKey, message, signature);
      return false;
    } catch {
      return false;
    }
  };
}
