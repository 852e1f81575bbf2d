import type { SignatureAlgorithm } from "../crypto/crypto-port";
import type { Semver } from "./semver";

/**
 * The fieldnode OTA image, format version 1: the layout, as constants. The
 * device (verifier.ts) and the host tools (host/) both read it from here, so
 * they cannot disagree. docs/ota-image-format.md describes it field by field.
 *
 *   [fixed header, 104 bytes][extensions (TLVs)][signature] [payload ...]
 *   \________________ header_length bytes ________________/
 *
 * All integers are little-endian, as on the ESP32 and in ESP-IDF's own image
 * header. The signature covers every header byte before it.
 */

/** "FNOT": fieldnode OTA. */
export const IMAGE_MAGIC: readonly number[] = [0x46, 0x4e, 0x4f, 0x54];

/**
 * Bumped only for a layout a version-1 device could not read; new fields go
 * into extensions instead, which old devices skip unless marked critical.
 */
export const FORMAT_VERSION = 1;

export const FIELD = {
  magic: 0,
  formatVersion: 4,
  headerLength: 6,
  extensionsLength: 8,
  algorithm: 10,
  flags: 11,
  payloadLength: 12,
  payloadCrc32: 16,
  payloadSha256: 20,
  securityCounter: 52,
  versionMajor: 56,
  versionMinor: 58,
  versionPatch: 60,
  reserved: 62,
  target: 64,
  keyId: 96,
  extensions: 104,
} as const;

/** Bytes before the extensions. */
export const FIXED_HEADER_LENGTH = 104;

/** The bytes that say where the signature is: read and checked before anything else is buffered. */
export const PREFIX_LENGTH = 12;

/**
 * Upper bound on header_length, so the device can buffer any header in one
 * allocation made at boot (1 KiB leaves 856 bytes of extensions).
 */
export const MAX_HEADER_LENGTH = 1024;

export const TARGET_LENGTH = 32;
export const KEY_ID_LENGTH = 8;
export const SHA256_FIELD_LENGTH = 32;

/** Wire ids of the signature algorithms. */
export const ALGORITHM_ID: Readonly<Record<SignatureAlgorithm, number>> = {
  "ecdsa-p256-sha256": 1,
  ed25519: 2,
};

export function algorithmFromId(id: number): SignatureAlgorithm | undefined {
  if (id === 1) return "ecdsa-p256-sha256";
  if (id === 2) return "ed25519";
  return undefined;
}

/**
 * Extensions are TLVs: type (u16), length (u16), value. A type with the high
 * bit set is critical: a device that does not know it must refuse the image
 * (UNSUPPORTED_FIELD). Unknown non-critical types are skipped; they are still
 * covered by the signature.
 */
export const TLV_HEADER_LENGTH = 4;
export const TLV_CRITICAL = 0x8000;

export const TLV = {
  /** Semver pre-release identifiers, ASCII, e.g. "rc.1". Affects downgrade decisions. */
  VERSION_PRERELEASE: 0x8001,
  /** Semver build metadata, ASCII, e.g. "git.4f2a9c1". Informational. */
  VERSION_BUILD: 0x0002,
} as const;

/**
 * chip, or chip/board: lowercase ASCII letters, digits, "." "_" "-", at most
 * 32 bytes, NUL-padded in the header.
 */
export const TARGET_PATTERN = /^[a-z0-9][a-z0-9._-]*(\/[a-z0-9][a-z0-9._-]*)?$/;

export interface ImageExtension {
  readonly type: number;
  readonly critical: boolean;
  readonly value: Uint8Array;
}

/** A decoded header. Byte fields are copies, never views into a reused buffer. */
export interface ImageHeader {
  readonly formatVersion: number;
  /** Offset of the first payload byte. */
  readonly headerLength: number;
  readonly extensionsLength: number;
  readonly algorithm: SignatureAlgorithm;
  readonly flags: number;
  readonly payloadLength: number;
  readonly payloadCrc32: number;
  readonly payloadSha256: Uint8Array;
  readonly securityCounter: number;
  readonly version: Semver;
  readonly target: string;
  readonly keyId: Uint8Array;
  /** Every extension in header order, known or not. */
  readonly extensions: readonly ImageExtension[];
  /** Bytes covered by the signature: [0, signedLength). */
  readonly signedLength: number;
  readonly signature: Uint8Array;
}
