/**
 * Why an image was refused. One code per cause, shared by the device, the
 * simulator and `fieldnode verify`, so a technician reading a status register,
 * an MQTT message or the CLI sees the same word. The numbers are what Modbus
 * status registers carry; never renumber, only append.
 */
export const OTA_ERROR_CODES = {
  /** The first four bytes are not "FNOT": not a fieldnode image at all. */
  BAD_MAGIC: 1,
  /** A header format version this firmware does not know. */
  UNSUPPORTED_VERSION: 2,
  /** A length, offset or field that cannot be right (see docs/ota-image-format.md). */
  MALFORMED_HEADER: 3,
  /** A signature algorithm id this firmware does not implement. */
  UNSUPPORTED_ALGORITHM: 4,
  /** No trusted key has this key id (for this algorithm). */
  UNKNOWN_KEY: 5,
  /** The key id names a key that has been revoked. */
  KEY_REVOKED: 6,
  /** The header signature does not verify under the trusted key. */
  BAD_SIGNATURE: 7,
  /** A critical header extension this firmware does not understand. */
  UNSUPPORTED_FIELD: 8,
  /** Built for another chip or board. */
  WRONG_TARGET: 9,
  /** Older than the running firmware, and downgrades were not allowed. */
  DOWNGRADE: 10,
  /** Security counter below the device's anti-rollback floor. */
  COUNTER_TOO_LOW: 11,
  /** The payload does not fit the app partition. */
  TOO_LARGE: 12,
  /** The transport announced a different image length than the header. */
  LENGTH_MISMATCH: 13,
  /** The stream ended before the header or the payload was complete. */
  TRUNCATED: 14,
  /** Bytes arrived after the last payload byte. */
  TRAILING_BYTES: 15,
  /** The payload's CRC-32 differs from the header's. */
  CRC_MISMATCH: 16,
  /** The payload's SHA-256 differs from the (signed) header's. */
  DIGEST_MISMATCH: 17,
} as const;

export type OtaErrorCode = keyof typeof OTA_ERROR_CODES;

export const OTA_ERROR_CODE_LIST = Object.keys(OTA_ERROR_CODES) as OtaErrorCode[];

export interface OtaFailure {
  readonly code: OtaErrorCode;
  /** One line for a log or the CLI: what was wrong, with the numbers. */
  readonly message: string;
}

/** Thrown by the header codec; the verifier reports the same failures as values. */
export class OtaError extends Error {
  readonly code: OtaErrorCode;
  constructor(code: OtaErrorCode, message: string) {
    super(message);
    this.name = "OtaError";
    this.code = code;
  }
}
