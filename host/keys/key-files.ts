/**
 * Signing keys as files: the PEM forms openssl and `fieldnode keygen` write
 * (PKCS#8 "PRIVATE KEY", SEC1 "EC PRIVATE KEY" with or without the "EC
 * PARAMETERS" block `openssl ecparam -genkey` puts first, SPKI "PUBLIC KEY")
 * and the firmware's public key file (NAME.pub). node:crypto does the ASN.1;
 * this module decides which keys fieldnode accepts and says why not.
 */
import { createPrivateKey, createPublicKey, generateKeyPairSync, sign, type KeyObject } from "node:crypto";
import type { SignatureAlgorithm } from "../../firmware/crypto/crypto-port";
import { toHex } from "../../firmware/crypto/hex";
import { computeKeyId } from "../../firmware/ota/key-id";
import { formatPublicKeyFile, parsePublicKeyFile, type PublicKeyRecord } from "../../firmware/ota/public-key-file";
import { createNodeCrypto } from "../../sim/crypto/node-crypto";

export type KeyType = "p256" | "ed25519";

export const KEY_TYPES: readonly KeyType[] = ["p256", "ed25519"];

export const ALGORITHM_NAME: Readonly<Record<SignatureAlgorithm, string>> = {
  "ecdsa-p256-sha256": "ECDSA P-256 / SHA-256",
  ed25519: "Ed25519",
};

/** A key that cannot be used, with a message that says what to use instead. */
export class KeyFileError extends Error {
  override name = "KeyFileError";
}

export interface SigningKey {
  readonly algorithm: SignatureAlgorithm;
  readonly privateKey: KeyObject;
  /** Raw public key: SEC1 uncompressed point or 32-byte Ed25519 key. */
  readonly publicKey: Uint8Array;
  readonly keyId: Uint8Array;
  readonly keyIdHex: string;
}

export interface PublicKeyInfo {
  readonly algorithm: SignatureAlgorithm;
  readonly publicKey: Uint8Array;
  readonly keyIdHex: string;
}

const sha256 = createNodeCrypto().createSha256();

function keyIdOf(publicKey: Uint8Array): Uint8Array {
  return computeKeyId(sha256, publicKey);
}

function base64url(text: string): Uint8Array {
  return new Uint8Array(Buffer.from(text, "base64url"));
}

/** The algorithm and raw public key of a P-256 or Ed25519 key (private or public); throws KeyFileError for any other. */
export function rawPublicKey(key: KeyObject, source: string): { algorithm: SignatureAlgorithm; publicKey: Uint8Array } {
  const type = key.asymmetricKeyType;
  const publicKey = key.type === "public" ? key : createPublicKey(key);
  if (type === "ed25519") {
    const jwk = publicKey.export({ format: "jwk" });
    return { algorithm: "ed25519", publicKey: base64url(jwk.x!) };
  }
  if (type === "ec") {
    const curve = key.asymmetricKeyDetails?.namedCurve;
    if (curve !== "prime256v1") {
      throw new KeyFileError(`${source} is an EC key on ${curve ?? "an unnamed curve"}; fieldnode signs with P-256 (prime256v1) or Ed25519: openssl ecparam -name prime256v1 -genkey -noout -out key.pem`);
    }
    const jwk = publicKey.export({ format: "jwk" });
    const point = new Uint8Array(65);
    point[0] = 0x04;
    point.set(base64url(jwk.x!), 1);
    point.set(base64url(jwk.y!), 33);
    return { algorithm: "ecdsa-p256-sha256", publicKey: point };
  }
  throw new KeyFileError(otherAlgorithm(source, type === undefined ? "not an asymmetric key" : anKey(type.toUpperCase())));
}

/** "an RSA key", "a DSA key": algorithm names are read letter by letter. */
function anKey(algorithm: string): string {
  return `${/^[AEFHILMNORSX]/.test(algorithm) ? "an" : "a"} ${algorithm} key`;
}

function otherAlgorithm(source: string, what: string): string {
  return `${source} is ${what}; fieldnode signs with ECDSA P-256 or Ed25519 (make one with: fieldnode keygen --out NAME)`;
}

/** A private key from PEM text (PKCS#8 or SEC1). */
export function parsePrivateKeyPem(text: string, source: string): SigningKey {
  // The traditional PEM forms name their algorithm in the label; say so (before any advice to decrypt it) as for a PKCS#8 key of that kind.
  const traditional = /-----BEGIN (RSA|DSA) PRIVATE KEY-----/.exec(text)?.[1];
  if (traditional !== undefined) throw new KeyFileError(otherAlgorithm(source, anKey(traditional)));
  if (/-----BEGIN ENCRYPTED PRIVATE KEY-----|Proc-Type: 4,ENCRYPTED/.test(text)) {
    throw new KeyFileError(`${source} is encrypted; decrypt it first (openssl pkey -in ${source} -out plain.pem) and keep the result at mode 0600`);
  }
  if (!/-----BEGIN (EC |)PRIVATE KEY-----/.test(text)) {
    const kind = /-----BEGIN ([A-Z0-9 ]+)-----/.exec(text)?.[1];
    throw new KeyFileError(
      kind === undefined
        ? `${source} is not a PEM private key; expected "-----BEGIN PRIVATE KEY-----" or "-----BEGIN EC PRIVATE KEY-----"`
        : `${source} holds a ${kind}, not a private key; sign with the .pem that fieldnode keygen or openssl made`,
    );
  }
  let privateKey: KeyObject;
  try {
    privateKey = createPrivateKey({ key: text, format: "pem" });
  } catch (error) {
    throw new KeyFileError(`${source} could not be read as a private key: ${error instanceof Error ? error.message : String(error)}`);
  }
  const { algorithm, publicKey } = rawPublicKey(privateKey, source);
  const keyId = keyIdOf(publicKey);
  return { algorithm, privateKey, publicKey, keyId, keyIdHex: toHex(keyId) };
}

/**
 * A public key from any form a technician may hold: the firmware's .pub file,
 * an SPKI "PUBLIC KEY" PEM, or the private key PEM itself.
 */
export function parsePublicKeyText(text: string, source: string): PublicKeyInfo {
  const trimmed = text.trimStart();
  if (trimmed.startsWith("{")) {
    let record: PublicKeyRecord;
    try {
      record = parsePublicKeyFile(text);
    } catch (error) {
      throw new KeyFileError(`${source}: ${error instanceof Error ? error.message : String(error)}`);
    }
    const keyIdHex = toHex(keyIdOf(record.publicKey));
    if (record.keyId !== undefined && record.keyId !== keyIdHex) {
      throw new KeyFileError(`${source}: key id ${record.keyId} does not match the key it holds (${keyIdHex}); the file was edited`);
    }
    return { algorithm: record.algorithm, publicKey: record.publicKey, keyIdHex };
  }
  if (/-----BEGIN PUBLIC KEY-----/.test(text)) {
    let key: KeyObject;
    try {
      key = createPublicKey({ key: text, format: "pem" });
    } catch (error) {
      throw new KeyFileError(`${source} could not be read as a public key: ${error instanceof Error ? error.message : String(error)}`);
    }
    const raw = rawPublicKey(key, source);
    return { ...raw, keyIdHex: toHex(keyIdOf(raw.publicKey)) };
  }
  if (/-----BEGIN (EC |RSA |DSA |ENCRYPTED |)PRIVATE KEY-----|Proc-Type: 4,ENCRYPTED/.test(text)) {
    const key = parsePrivateKeyPem(text, source);
    return { algorithm: key.algorithm, publicKey: key.publicKey, keyIdHex: key.keyIdHex };
  }
  throw new KeyFileError(`${source} is neither a fieldnode .pub file nor a PEM key`);
}

export interface GeneratedKey {
  /** PKCS#8 PEM. */
  readonly privatePem: string;
  /** The firmware's public key file. */
  readonly publicFile: string;
  readonly algorithm: SignatureAlgorithm;
  readonly keyIdHex: string;
}

export function generateKey(type: KeyType, label?: string): GeneratedKey {
  const pair = type === "p256" ? generateKeyPairSync("ec", { namedCurve: "prime256v1" }) : generateKeyPairSync("ed25519");
  const privatePem = pair.privateKey.export({ format: "pem", type: "pkcs8" }).toString();
  const { algorithm, publicKey } = rawPublicKey(pair.publicKey, "generated key");
  const keyIdHex = toHex(keyIdOf(publicKey));
  return { privatePem, publicFile: formatPublicKeyFile({ algorithm, publicKey, keyId: keyIdHex, ...(label !== undefined ? { label } : {}) }), algorithm, keyIdHex };
}

/** The 64-byte signature the image header carries: P1363 r || s for ECDSA, RFC 8032 for Ed25519. */
export function signMessage(key: SigningKey, message: Uint8Array): Uint8Array {
  const signature =
    key.algorithm === "ed25519"
      ? sign(null, message, key.privateKey)
      : sign("sha256", message, { key: key.privateKey, dsaEncoding: "ieee-p1363" });
  return new Uint8Array(signature);
}
