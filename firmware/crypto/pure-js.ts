import { crc32 } from "../core/crc32";
import type { CryptoPort } from "./crypto-port";
import { mulAddJs } from "./p256";
import { portableVerify } from "./portable-verify";
import { Sha256Js } from "./sha256";

/**
 * The crypto port in plain JavaScript: what the XS engine suite runs, and the
 * fallback for any engine without native crypto. SHA-256, ECDSA and Ed25519
 * are this folder's own code (see docs/ota-image-format.md, "Crypto
 * implementations", for why not @noble/curves or tweetnacl directly); SHA-512
 * for Ed25519 comes from @noble/hashes.
 */
export function createPureJsCrypto(): CryptoPort {
  return {
    name: "pure-js",
    crc32: (data, seed) => crc32(data, seed),
    createSha256: () => new Sha256Js(),
    verify: portableVerify(new Sha256Js(), mulAddJs),
  };
}
