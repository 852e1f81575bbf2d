import { p256 } from "@noble/curves/nist.js";
import nacl from "tweetnacl";
import { crc32 } from "../core/crc32";
import { PUBLIC_KEY_LENGTH, SIGNATURE_LENGTH, type CryptoPort, type SignatureAlgorithm } from "./crypto-port";
import { Sha256Js } from "./sha256";

/**
 * The crypto port in plain JavaScript: what the XS engine suite runs, and the
 * fallback for any engine without native crypto. The primitives are audited
 * libraries rather than this project's code: @noble/hashes for SHA-256,
 * @noble/curves for ECDSA P-256, tweetnacl for Ed25519. Bundling them for XS
 * needs two esbuild settings (see docs/ota-image-format.md, "Crypto
 * implementations").
 */
export function createPureJsCrypto(): CryptoPort {
  return {
    name: "pure-js",
    crc32: (data, seed) => crc32(data, seed),
    createSha256: () => new Sha256Js(),
    verify(algorithm: SignatureAlgorithm, publicKey, message, signature) {
      if (publicKey.length !== PUBLIC_KEY_LENGTH[algorithm] || signature.length !== SIGNATURE_LENGTH[algorithm]) return false;
      try {
        if (algorithm === "ecdsa-p256-sha256") {
          // noble would also take a compressed key; the header names the uncompressed form only.
          if (publicKey[0] !== 0x04) return false;
          // High S is valid ECDSA (OpenSSL and Wycheproof accept it); low-S is a Bitcoin rule.
          return p256.verify(signature, message, publicKey, { lowS: false, prehash: true, format: "compact" });
        }
        if (algorithm === "ed25519") {
          // tweetnacl accepts S >= L, so without this a valid signature would have a second, malleated form.
          if (!isReducedScalar(signature, 32)) return false;
          return nacl.sign.detached.verify(message, signature, publicKey);
        }
        return false;
      } catch {
        return false;
      }
    },
  };
}

/** L = 2^252 + 27742317777372353535851937790883648493, the Ed25519 group order, little-endian. */
const L_BYTES = Uint8Array.of(
  0xed, 0xd3, 0xf5, 0x5c, 0x1a, 0x63, 0x12, 0x58, 0xd6, 0x9c, 0xf7, 0xa2, 0xde, 0xf9, 0xde, 0x14,
  0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x10,
);

/** Whether the 32-byte little-endian scalar at `offset` is below L (RFC 8032 §5.1.7). */
function isReducedScalar(bytes: Uint8Array, offset: number): boolean {
  for (let i = 31; i >= 0; i--) {
    const byte = bytes[offset + i]!;
    if (byte !== L_BYTES[i]) return byte < L_BYTES[i]!;
  }
  return false;
}
