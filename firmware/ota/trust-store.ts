import { PUBLIC_KEY_LENGTH, type CryptoPort, type Sha256, type SignatureAlgorithm } from "../crypto/crypto-port";
import { ed25519PublicKeyDefect } from "../crypto/ed25519";
import { toHex } from "../crypto/hex";
import { decodeP256PublicKey } from "../crypto/p256";
import { KEY_ID_LENGTH } from "./image-format";
import { computeKeyId } from "./key-id";
import type { PublicKeyRecord } from "./public-key-file";

export interface TrustedKey {
  readonly keyId: Uint8Array;
  readonly keyIdHex: string;
  readonly algorithm: SignatureAlgorithm;
  readonly publicKey: Uint8Array;
  readonly label: string;
}

export type KeyLookup =
  | { readonly status: "trusted"; readonly key: TrustedKey }
  | { readonly status: "revoked" }
  | { readonly status: "unknown" };

/**
 * The keys an image may be signed with, by id. Several may be trusted at once
 * so that a new key can be rolled out before the old one is retired; a
 * revoked id stays refused even if its key is added again, so a leaked key
 * cannot come back through a stale configuration.
 */
export class TrustStore {
  readonly #sha: Sha256;
  readonly #keys = new Map<string, TrustedKey>();
  readonly #revoked = new Set<string>();

  constructor(crypto: CryptoPort, keys: Iterable<PublicKeyRecord> = []) {
    this.#sha = crypto.createSha256();
    for (const key of keys) this.add(key);
  }

  /**
   * Trusts a key. Throws if the key is not a valid point, is an Ed25519 key
   * that is encoded non-canonically or has small order, or the record's key id
   * does not match its key: caught when the store is loaded, not when an
   * image arrives.
   */
  add(record: PublicKeyRecord): TrustedKey {
    const { algorithm, publicKey } = record;
    if (publicKey.length !== PUBLIC_KEY_LENGTH[algorithm]) {
      throw new Error(`${algorithm} public key must be ${PUBLIC_KEY_LENGTH[algorithm]} bytes, got ${publicKey.length}`);
    }
    if (algorithm === "ed25519") {
      const defect = ed25519PublicKeyDefect(publicKey);
      if (defect === "non-canonical") {
        throw new Error("ed25519 public key is not canonically encoded (y is not reduced mod p, or x is a negative zero); RFC 8032 allows one encoding per point");
      }
      if (defect === "small-order") {
        throw new Error("ed25519 public key is a point of small order (its order divides the cofactor 8); signatures under it can be forged for any message");
      }
      if (defect !== undefined) throw new Error(`${algorithm} public key is not a valid curve point`);
    } else if (decodeP256PublicKey(publicKey) === undefined) {
      throw new Error(`${algorithm} public key is not a valid curve point`);
    }
    const keyId = computeKeyId(this.#sha, publicKey);
    const keyIdHex = toHex(keyId);
    if (record.keyId !== undefined && record.keyId !== keyIdHex) {
      throw new Error(`key id ${record.keyId} does not match the key (its id is ${keyIdHex})`);
    }
    const existing = this.#keys.get(keyIdHex);
    if (existing !== undefined) return existing;
    const key: TrustedKey = { keyId, keyIdHex, algorithm, publicKey: publicKey.slice(), label: record.label ?? keyIdHex };
    this.#keys.set(keyIdHex, key);
    return key;
  }

  /**
   * Refuses images signed with this key id from now on: 16 hex digits (either
   * case) or 8 bytes. Anything else throws, since a malformed id would be
   * "revoked" without ever matching a key, and the key would stay trusted.
   */
  revoke(keyId: string | Uint8Array): void {
    if (typeof keyId === "string") {
      if (!/^[0-9a-fA-F]{16}$/.test(keyId)) throw new Error(`a key id to revoke is 16 hex digits, got "${keyId}"`);
      this.#revoked.add(keyId.toLowerCase());
    } else {
      if (keyId.length !== KEY_ID_LENGTH) throw new Error(`a key id to revoke is ${KEY_ID_LENGTH} bytes, got ${keyId.length}`);
      this.#revoked.add(toHex(keyId));
    }
  }

  lookup(keyId: Uint8Array): KeyLookup {
    const id = toHex(keyId);
    if (this.#revoked.has(id)) return { status: "revoked" };
    const key = this.#keys.get(id);
    return key === undefined ? { status: "unknown" } : { status: "trusted", key };
  }

  /** Trusted, not revoked keys. */
  get keys(): TrustedKey[] {
    return [...this.#keys.values()].filter((key) => !this.#revoked.has(key.keyIdHex));
  }
}
