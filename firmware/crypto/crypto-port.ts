/**
 * The crypto port: every primitive the OTA path needs, behind one interface so
 * that the same verifier runs on the device (Moddable's native digest and EC
 * code), in the simulator (node:crypto) and in the XS engine suite (pure JS).
 * The three implementations are held to the same Wycheproof vectors.
 */

/** Signature algorithms an image may be signed with. */
export type SignatureAlgorithm = "ecdsa-p256-sha256" | "ed25519";

export const SIGNATURE_ALGORITHMS: readonly SignatureAlgorithm[] = ["ecdsa-p256-sha256", "ed25519"];

/**
 * Public keys travel in their raw form, the one every implementation can take
 * without an ASN.1 parser: SEC1 uncompressed point (0x04 || X || Y) for P-256,
 * the 32-byte RFC 8032 encoding for Ed25519.
 */
export const PUBLIC_KEY_LENGTH: Readonly<Record<SignatureAlgorithm, number>> = {
  "ecdsa-p256-sha256": 65,
  ed25519: 32,
};

/**
 * Signatures are fixed-size: IEEE P1363 r || s for ECDSA (not DER, whose
 * variable length and encoding ambiguities have no place in a header), and the
 * RFC 8032 R || S for Ed25519.
 */
export const SIGNATURE_LENGTH: Readonly<Record<SignatureAlgorithm, number>> = {
  "ecdsa-p256-sha256": 64,
  ed25519: 64,
};

export const SHA256_LENGTH = 32;

/**
 * An incremental SHA-256 that can be reused: the verifier creates one per
 * port and resets it for every image, so hashing allocates nothing per chunk.
 */
export interface Sha256 {
  /** Discards any state and starts a new digest. */
  reset(): void;
  update(data: Uint8Array): void;
  /** Writes the 32-byte digest to `out` at `offset`, then resets. */
  digestInto(out: Uint8Array, offset?: number): void;
}

export interface CryptoPort {
  /** Which implementation this is, for reports ("node", "pure-js", "esp32"). */
  readonly name: string;
  /**
   * zlib CRC-32 of `data` continued from `seed` (a previous result; 0 starts
   * anew), the convention of firmware/core/crc32.ts. A port may use a native
   * routine; it must return exactly what firmware/core/crc32.ts returns.
   */
  crc32(data: Uint8Array, seed: number): number;
  createSha256(): Sha256;
  /**
   * True only for a valid signature of `message` under `publicKey`. Never
   * throws: a malformed key or signature is simply not a valid signature, so
   * hostile input cannot turn into an exception path.
   */
  verify(algorithm: SignatureAlgorithm, publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array): boolean;
}
