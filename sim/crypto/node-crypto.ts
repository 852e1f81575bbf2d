import { createHash, createPublicKey, verify, type Hash, type KeyObject } from "node:crypto";
import * as zlib from "node:zlib";
import type { CryptoPort, Sha256, SignatureAlgorithm } from "../../firmware/crypto/crypto-port";
import { crc32 as crc32Js } from "../../firmware/core/crc32";

/**
 * The crypto port over node:crypto (OpenSSL), for the simulator and the host
 * tools. Raw public keys are wrapped into SubjectPublicKeyInfo DER so that
 * OpenSSL, not our code, decides whether a point is valid: this port is an
 * independent implementation, held to the same vectors as the others.
 */

/** SPKI DER up to the BIT STRING holding the raw key: id-ecPublicKey + prime256v1, and id-Ed25519. */
const SPKI_PREFIX: Readonly<Record<SignatureAlgorithm, Uint8Array>> = {
  "ecdsa-p256-sha256": Uint8Array.from([
    0x30, 0x59, 0x30, 0x13, 0x06, 0x07, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02, 0x01, 0x06, 0x08, 0x2a, 0x86, 0x48, 0xce,
    0x3d, 0x03, 0x01, 0x07, 0x03, 0x42, 0x00,
  ]),
  ed25519: Uint8Array.from([0x30, 0x2a, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x03, 0x21, 0x00]),
};

const RAW_LENGTH: Readonly<Record<SignatureAlgorithm, number>> = { "ecdsa-p256-sha256": 65, ed25519: 32 };

/**
 * zlib's CRC-32 is the same function as firmware/core/crc32.ts (tests hold
 * them to each other) at several times the speed; Node before 20.15 lacks it.
 */
const nativeCrc32 = (zlib as { crc32?: (data: Uint8Array, value?: number) => number }).crc32;

class NodeSha256 implements Sha256 {
  #hash: Hash = createHash("sha256");

  reset(): void {
    // A node Hash cannot be rewound; a new one per image is one allocation per image, not per chunk.
    this.#hash = createHash("sha256");
  }

  update(data: Uint8Array): void {
    this.#hash.update(data);
  }

  digestInto(out: Uint8Array, offset = 0): void {
    out.set(this.#hash.digest(), offset);
    this.reset();
  }
}

/** Keys seen recently, so that a run of verifications does not re-parse the same key. */
const KEY_CACHE_SIZE = 32;

export function createNodeCrypto(): CryptoPort {
  const keys = new Map<string, KeyObject>();
  const keyObject = (algorithm: SignatureAlgorithm, raw: Uint8Array): KeyObject => {
    const cacheKey = `${algorithm}:${Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength).toString("hex")}`;
    let key = keys.get(cacheKey);
    if (key === undefined) {
      const prefix = SPKI_PREFIX[algorithm];
      const der = Buffer.alloc(prefix.length + raw.length);
      der.set(prefix, 0);
      der.set(raw, prefix.length);
      key = createPublicKey({ key: der, format: "der", type: "spki" });
      if (keys.size >= KEY_CACHE_SIZE) keys.delete(keys.keys().next().value!);
      keys.set(cacheKey, key);
    }
    return key;
  };

  return {
    name: "node",
    crc32: nativeCrc32 === undefined ? (data, seed) => crc32Js(data, seed) : (data, seed) => nativeCrc32(data, seed),
    createSha256: () => new NodeSha256(),
    verify(algorithm, publicKey, message, signature) {
      if (publicKey.length !== RAW_LENGTH[algorithm] || signature.length !== 64) return false;
      try {
        const key = keyObject(algorithm, publicKey);
        if (algorithm === "ed25519") return verify(null, message, key, signature);
        return verify("sha256", message, { key, dsaEncoding: "ieee-p1363" }, signature);
      } catch {
        return false;
      }
    },
  };
}
