import type { CryptoPort, Sha256, SignatureAlgorithm } from "./crypto-port";
import { verifyEcdsaP256Digest } from "./ecdsa-p256";
import { verifyEd25519 } from "./ed25519";
import type { P256MulAdd } from "./p256";

/**
 * Signature checks over this folder's ECDSA and Ed25519 code, given a
 * SHA-256 and whoever computes u1*G + u2*Q: the device port's verify, with
 * Moddable's native digest and EC. Kept free of Moddable imports so the same
 * checks run, with stand-ins, on Node and in the XS suite. One scratch
 * digest: verification is synchronous and never re-entered. Never throws, as
 * CryptoPort.verify promises.
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
