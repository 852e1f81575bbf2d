/**
 * Fixed signing keys for tests, and signers that are deterministic: ECDSA
 * with RFC 6979 nonces (@noble/curves), Ed25519 (tweetnacl; deterministic by
 * design). Every signature a test makes is a function of the key's label and
 * the message, so a seeded test replays byte for byte. Language only: XS
 * scenarios build and sign images with it too. FOR TESTS ONLY: the private
 * keys follow from this file.
 */
import { p256 } from "@noble/curves/nist.js";
import { sha256 } from "@noble/hashes/sha2.js";
import nacl from "tweetnacl";
import type { SignatureAlgorithm } from "../../../firmware/crypto/crypto-port";
import { toHex } from "../../../firmware/crypto/hex";
import { KEY_ID_LENGTH } from "../../../firmware/ota/image-format";
import type { TestSigner } from "./image-builder";

export interface TestKey extends TestSigner {
  readonly label: string;
  readonly keyId: Uint8Array;
  readonly keyIdHex: string;
}

function withKeyId(label: string, algorithm: SignatureAlgorithm, publicKey: Uint8Array, sign: (message: Uint8Array) => Uint8Array): TestKey {
  // Computed here rather than through a crypto port, so the id does not depend on the port under test.
  const keyId = sha256(publicKey).slice(0, KEY_ID_LENGTH);
  return { label, algorithm, publicKey, keyId, keyIdHex: toHex(keyId), sign };
}

/** ECDSA P-256 over SHA-256 with the RFC 6979 nonce; S is left as computed (high half of the time), as OpenSSL does. */
export function p256TestKey(secret: Uint8Array, label: string): TestKey {
  return withKeyId(label, "ecdsa-p256-sha256", p256.getPublicKey(secret, false), (message) => p256.sign(message, secret, { lowS: false, prehash: true, format: "compact" }));
}

/** Ed25519 from a 32-byte seed (RFC 8032's private key). */
export function ed25519TestKey(seed: Uint8Array, label: string): TestKey {
  const pair = nacl.sign.keyPair.fromSeed(seed);
  return withKeyId(label, "ed25519", pair.publicKey, (message) => nacl.sign.detached(message, pair.secretKey));
}

const ascii = (text: string): Uint8Array => {
  const bytes = new Uint8Array(text.length);
  for (let i = 0; i < text.length; i++) bytes[i] = text.charCodeAt(i);
  return bytes;
};

/** The key named `label`: its secret is SHA-256("fieldnode test key <algorithm> <label>"), the same on every run and engine. */
export function testKey(algorithm: SignatureAlgorithm, label: string): TestKey {
  const secret = sha256(ascii(`fieldnode test key ${algorithm} ${label}`));
  return algorithm === "ed25519" ? ed25519TestKey(secret, label) : p256TestKey(secret, label);
}
