import { PUBLIC_KEY_LENGTH, SIGNATURE_ALGORITHMS, type SignatureAlgorithm } from "../crypto/crypto-port";
import { fromHex, toHex } from "../crypto/hex";

/**
 * The public half of a signing key as `fieldnode keygen` writes it (NAME.pub)
 * and the firmware's trust store takes it: a small JSON document, because XS
 * parses JSON natively and a person can read it. Example:
 *
 *   {
 *     "format": "fieldnode-public-key",
 *     "version": 1,
 *     "algorithm": "ecdsa-p256-sha256",
 *     "keyId": "3f9a0c1d2e4b5a69",
 *     "publicKey": "04a1b2..."
 *   }
 *
 * `publicKey` is hex: the SEC1 uncompressed point for P-256, the RFC 8032
 * encoding for Ed25519. `keyId` is redundant (see key-id.ts) and checked on
 * load, so a file edited by hand cannot name one key and carry another.
 */
export const PUBLIC_KEY_FILE_FORMAT = "fieldnode-public-key";

export interface PublicKeyRecord {
  readonly algorithm: SignatureAlgorithm;
  readonly publicKey: Uint8Array;
  /** Hex; when present the trust store checks it against the key. */
  readonly keyId?: string;
  readonly label?: string;
}

export function formatPublicKeyFile(record: { algorithm: SignatureAlgorithm; publicKey: Uint8Array; keyId: string; label?: string }): string {
  const document: Record<string, string | number> = {
    format: PUBLIC_KEY_FILE_FORMAT,
    version: 1,
    algorithm: record.algorithm,
    keyId: record.keyId,
    publicKey: toHex(record.publicKey),
  };
  if (record.label !== undefined) document.label = record.label;
  return `${JSON.stringify(document, null, 2)}\n`;
}

/** Throws Error with a message that names the problem. */
export function parsePublicKeyFile(text: string): PublicKeyRecord {
  let document: unknown;
  try {
    document = JSON.parse(text);
  } catch {
    throw new Error("not a fieldnode public key file (not JSON)");
  }
  if (typeof document !== "object" || document === null || Array.isArray(document)) throw new Error("not a fieldnode public key file (not a JSON object)");
  const fields = document as Record<string, unknown>;
  if (fields.format !== PUBLIC_KEY_FILE_FORMAT) throw new Error(`not a fieldnode public key file ("format" is not "${PUBLIC_KEY_FILE_FORMAT}")`);
  if (fields.version !== 1) throw new Error(`public key file version ${String(fields.version)} is not supported (expected 1)`);
  const algorithm = fields.algorithm;
  if (typeof algorithm !== "string" || !(SIGNATURE_ALGORITHMS as readonly string[]).includes(algorithm)) {
    throw new Error(`unknown algorithm ${JSON.stringify(algorithm)}; expected one of ${SIGNATURE_ALGORITHMS.join(", ")}`);
  }
  const known = algorithm as SignatureAlgorithm;
  const publicKey = typeof fields.publicKey === "string" ? fromHex(fields.publicKey) : undefined;
  if (publicKey === undefined || publicKey.length !== PUBLIC_KEY_LENGTH[known]) {
    throw new Error(`"publicKey" must be ${PUBLIC_KEY_LENGTH[known]} bytes of hex for ${known}`);
  }
  if (fields.keyId !== undefined && (typeof fields.keyId !== "string" || !/^[0-9a-f]{16}$/.test(fields.keyId))) {
    throw new Error(`"keyId" must be 16 lowercase hex digits`);
  }
  if (fields.label !== undefined && typeof fields.label !== "string") throw new Error(`"label" must be a string`);
  return {
    algorithm: known,
    publicKey,
    ...(fields.keyId !== undefined ? { keyId: fields.keyId as string } : {}),
    ...(fields.label !== undefined ? { label: fields.label as string } : {}),
  };
}
