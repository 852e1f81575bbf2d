import { SIGNATURE_ALGORITHMS, SIGNATURE_LENGTH, type SignatureAlgorithm } from "../crypto/crypto-port";
import { OtaError, type OtaFailure } from "./errors";
import {
  ALGORITHM_ID,
  algorithmFromId,
  FIELD,
  FIXED_HEADER_LENGTH,
  FORMAT_VERSION,
  IMAGE_MAGIC,
  KEY_ID_LENGTH,
  MAX_HEADER_LENGTH,
  PREFIX_LENGTH,
  SHA256_FIELD_LENGTH,
  TARGET_LENGTH,
  TARGET_PATTERN,
  TLV,
  TLV_CRITICAL,
  TLV_HEADER_LENGTH,
  type ImageExtension,
  type ImageHeader,
} from "./image-format";
import { formatSemver, parseSemver, SEMVER_PART_MAX, type Semver } from "./semver";

/**
 * Reading and writing the image header. Decoding is split the way the
 * verifier needs it: the prefix (where is the signature?) is checked before
 * the rest is buffered, and the signed fields are interpreted only after the
 * signature has verified. Every length and offset is checked against the
 * bytes actually present before it is used.
 */

export function readU16(bytes: Uint8Array, offset: number): number {
  return bytes[offset]! | (bytes[offset + 1]! << 8);
}

export function readU32(bytes: Uint8Array, offset: number): number {
  return (bytes[offset]! | (bytes[offset + 1]! << 8) | (bytes[offset + 2]! << 16) | (bytes[offset + 3]! << 24)) >>> 0;
}

function writeU16(bytes: Uint8Array, offset: number, value: number): void {
  bytes[offset] = value & 0xff;
  bytes[offset + 1] = (value >>> 8) & 0xff;
}

function writeU32(bytes: Uint8Array, offset: number, value: number): void {
  bytes[offset] = value & 0xff;
  bytes[offset + 1] = (value >>> 8) & 0xff;
  bytes[offset + 2] = (value >>> 16) & 0xff;
  bytes[offset + 3] = (value >>> 24) & 0xff;
}

export function isFailure(value: unknown): value is OtaFailure {
  return typeof value === "object" && value !== null && "code" in value && "message" in value;
}

/**
 * Checks as much of the prefix as `available` bytes allow: the magic after 4
 * bytes, the format version after 6, the lengths and algorithm after 12. So a
 * stream that is not an image is refused at its fourth byte.
 */
export function prefixFailure(bytes: Uint8Array, available: number): OtaFailure | undefined {
  if (available >= 4) {
    for (let i = 0; i < 4; i++) {
      if (bytes[i] !== IMAGE_MAGIC[i]) {
        return { code: "BAD_MAGIC", message: `not a fieldnode image: magic ${hex4(bytes)}, expected 464e4f54 ("FNOT")` };
      }
    }
  }
  if (available >= 6) {
    const version = readU16(bytes, FIELD.formatVersion);
    if (version !== FORMAT_VERSION) {
      return { code: "UNSUPPORTED_VERSION", message: `header format version ${version}; this firmware reads version ${FORMAT_VERSION}` };
    }
  }
  if (available >= PREFIX_LENGTH) {
    const id = bytes[FIELD.algorithm]!;
    const algorithm = algorithmFromId(id);
    if (algorithm === undefined) {
      return { code: "UNSUPPORTED_ALGORITHM", message: `signature algorithm id ${id} is not one this firmware verifies (1 ECDSA P-256, 2 Ed25519)` };
    }
    const headerLength = readU16(bytes, FIELD.headerLength);
    const extensionsLength = readU16(bytes, FIELD.extensionsLength);
    const expected = FIXED_HEADER_LENGTH + extensionsLength + SIGNATURE_LENGTH[algorithm];
    if (headerLength > MAX_HEADER_LENGTH) {
      return { code: "MALFORMED_HEADER", message: `header length ${headerLength} exceeds the ${MAX_HEADER_LENGTH}-byte maximum` };
    }
    if (headerLength !== expected) {
      return {
        code: "MALFORMED_HEADER",
        message: `header length ${headerLength} does not match ${FIXED_HEADER_LENGTH} + ${extensionsLength} bytes of extensions + ${SIGNATURE_LENGTH[algorithm]}-byte signature`,
      };
    }
  }
  return undefined;
}

export interface HeaderPrefix {
  readonly headerLength: number;
  readonly algorithm: SignatureAlgorithm;
  /** Bytes the signature covers; the signature follows them. */
  readonly signedLength: number;
}

/** The prefix of a header for which prefixFailure(bytes, PREFIX_LENGTH) found nothing wrong. */
export function readPrefix(bytes: Uint8Array): HeaderPrefix {
  const algorithm = algorithmFromId(bytes[FIELD.algorithm]!)!;
  const headerLength = readU16(bytes, FIELD.headerLength);
  return { headerLength, algorithm, signedLength: headerLength - SIGNATURE_LENGTH[algorithm] };
}

/**
 * Interprets a complete header whose prefix is valid (and, on the device,
 * whose signature has verified): reserved fields, target, extensions.
 */
export function decodeSignedFields(bytes: Uint8Array, prefix: HeaderPrefix): ImageHeader | OtaFailure {
  const malformed = (message: string): OtaFailure => ({ code: "MALFORMED_HEADER", message });
  const flags = bytes[FIELD.flags]!;
  if (flags !== 0) return malformed(`flags 0x${flags.toString(16)} set; version 1 defines none`);
  const reserved = readU16(bytes, FIELD.reserved);
  if (reserved !== 0) return malformed(`reserved field is 0x${reserved.toString(16)}, must be 0`);

  const target = decodeTarget(bytes);
  if (target === undefined) return malformed("target is not a NUL-padded chip or chip/board name");

  const extensions: ImageExtension[] = [];
  const end = prefix.signedLength;
  let prerelease: string | undefined;
  let build: string | undefined;
  for (let at = FIXED_HEADER_LENGTH; at < end; ) {
    if (at + TLV_HEADER_LENGTH > end) return malformed(`extension at offset ${at} is cut off by the signature`);
    const type = readU16(bytes, at);
    const length = readU16(bytes, at + 2);
    const valueStart = at + TLV_HEADER_LENGTH;
    if (valueStart + length > end) return malformed(`extension 0x${type.toString(16)} at offset ${at} claims ${length} bytes, past the end of the extensions`);
    if (extensions.some((e) => e.type === type)) return malformed(`extension 0x${type.toString(16)} appears twice`);
    const value = bytes.slice(valueStart, valueStart + length);
    extensions.push({ type, critical: (type & TLV_CRITICAL) !== 0, value });
    if (type === TLV.VERSION_PRERELEASE) prerelease = ascii(value);
    else if (type === TLV.VERSION_BUILD) build = ascii(value);
    else if ((type & TLV_CRITICAL) !== 0) {
      return { code: "UNSUPPORTED_FIELD", message: `critical extension 0x${type.toString(16)} is not understood by this firmware` };
    }
    at = valueStart + length;
  }

  const major = readU16(bytes, FIELD.versionMajor);
  const minor = readU16(bytes, FIELD.versionMinor);
  const patch = readU16(bytes, FIELD.versionPatch);
  // Each extension must hold identifiers only, so that "rc+x" cannot smuggle build metadata into the pre-release.
  for (const [name, value] of [["pre-release", prerelease], ["build", build]] as const) {
    if (value !== undefined && !/^[0-9A-Za-z.-]+$/.test(value)) return malformed(`version ${name} extension "${value}" is not dot-separated [0-9A-Za-z-] identifiers`);
  }
  let text = `${major}.${minor}.${patch}`;
  if (prerelease !== undefined) text += `-${prerelease}`;
  if (build !== undefined) text += `+${build}`;
  const version = parseSemver(text);
  if (typeof version === "string") return malformed(`version: ${version}`);

  return {
    formatVersion: readU16(bytes, FIELD.formatVersion),
    headerLength: prefix.headerLength,
    extensionsLength: readU16(bytes, FIELD.extensionsLength),
    algorithm: prefix.algorithm,
    flags,
    payloadLength: readU32(bytes, FIELD.payloadLength),
    payloadCrc32: readU32(bytes, FIELD.payloadCrc32),
    payloadSha256: bytes.slice(FIELD.payloadSha256, FIELD.payloadSha256 + SHA256_FIELD_LENGTH),
    securityCounter: readU32(bytes, FIELD.securityCounter),
    version,
    target,
    keyId: bytes.slice(FIELD.keyId, FIELD.keyId + KEY_ID_LENGTH),
    extensions,
    signedLength: prefix.signedLength,
    signature: bytes.slice(prefix.signedLength, prefix.headerLength),
  };
}

/**
 * The whole header at the start of `image`, structure only: the signature is
 * not checked (that needs a trust store; see verifier.ts). For tools that
 * show what an image claims. Throws OtaError.
 */
export function decodeHeader(image: Uint8Array): ImageHeader {
  const prefixProblem = prefixFailure(image, Math.min(image.length, PREFIX_LENGTH));
  if (prefixProblem !== undefined) throw new OtaError(prefixProblem.code, prefixProblem.message);
  if (image.length < PREFIX_LENGTH) throw new OtaError("TRUNCATED", `${image.length} bytes is shorter than the ${PREFIX_LENGTH}-byte header prefix`);
  const prefix = readPrefix(image);
  if (image.length < prefix.headerLength) {
    throw new OtaError("TRUNCATED", `${image.length} bytes is shorter than the ${prefix.headerLength}-byte header`);
  }
  const header = decodeSignedFields(image, prefix);
  if (isFailure(header)) throw new OtaError(header.code, header.message);
  return header;
}

export interface HeaderFields {
  readonly algorithm: SignatureAlgorithm;
  readonly payloadLength: number;
  readonly payloadCrc32: number;
  readonly payloadSha256: Uint8Array;
  readonly securityCounter: number;
  readonly version: Semver;
  readonly target: string;
  readonly keyId: Uint8Array;
  /** Extensions beyond the version ones, e.g. a future field; written after them. */
  readonly extraExtensions?: readonly ImageExtension[];
}

/** The room left for extensions cannot depend on the key: the longest signature is assumed. */
const LONGEST_SIGNATURE = Math.max(...SIGNATURE_ALGORITHMS.map((algorithm) => SIGNATURE_LENGTH[algorithm]));

/**
 * Characters of pre-release and build identifiers (joined with ".", without
 * the "-" and "+") that fit in a header beside `version`'s own TLV headers:
 * 852 for either alone, 848 for both. Lets a tool refuse a long version with
 * a message that says how long it may be, before encodeHeader would throw.
 */
export function versionIdentifierRoom(version: Semver): number {
  const tlvs = (version.prerelease.length > 0 ? 1 : 0) + (version.build.length > 0 ? 1 : 0);
  return MAX_HEADER_LENGTH - FIXED_HEADER_LENGTH - LONGEST_SIGNATURE - tlvs * TLV_HEADER_LENGTH;
}

/** The pre-release and build identifier characters `version` puts into the header. */
export function versionIdentifierLength(version: Semver): number {
  return version.prerelease.join(".").length + version.build.join(".").length;
}

/**
 * A header with a zeroed signature slot; sign bytes [0, headerLength - 64)
 * and write the signature into the slot. Throws RangeError for a field that
 * does not fit the format, so an image that cannot be read is never written.
 */
export function encodeHeader(fields: HeaderFields): Uint8Array {
  const { version } = fields;
  for (const [name, value] of [["major", version.major], ["minor", version.minor], ["patch", version.patch]] as const) {
    if (!Number.isInteger(value) || value < 0 || value > SEMVER_PART_MAX) throw new RangeError(`version ${name} ${value} is not 0..${SEMVER_PART_MAX}`);
  }
  const reparsed = parseSemver(formatSemver(version));
  if (typeof reparsed === "string") throw new RangeError(reparsed);
  for (const [name, value] of [["payload length", fields.payloadLength], ["payload CRC-32", fields.payloadCrc32], ["security counter", fields.securityCounter]] as const) {
    if (!Number.isInteger(value) || value < 0 || value > 0xffffffff) throw new RangeError(`${name} ${value} is not a 32-bit unsigned integer`);
  }
  if (fields.payloadSha256.length !== SHA256_FIELD_LENGTH) throw new RangeError("payload SHA-256 must be 32 bytes");
  if (fields.keyId.length !== KEY_ID_LENGTH) throw new RangeError(`key id must be ${KEY_ID_LENGTH} bytes`);
  if (fields.target.length > TARGET_LENGTH || !TARGET_PATTERN.test(fields.target)) {
    throw new RangeError(`target "${fields.target}" must be chip or chip/board: lowercase letters, digits, ".", "_", "-", at most ${TARGET_LENGTH} characters`);
  }

  const extensions: ImageExtension[] = [];
  if (version.prerelease.length > 0) extensions.push({ type: TLV.VERSION_PRERELEASE, critical: true, value: asciiBytes(version.prerelease.join(".")) });
  if (version.build.length > 0) extensions.push({ type: TLV.VERSION_BUILD, critical: false, value: asciiBytes(version.build.join(".")) });
  extensions.push(...(fields.extraExtensions ?? []));
  let extensionsLength = 0;
  for (const extension of extensions) {
    if (extension.value.length > 0xffff) throw new RangeError(`extension 0x${extension.type.toString(16)} is longer than 65535 bytes`);
    extensionsLength += TLV_HEADER_LENGTH + extension.value.length;
  }
  const headerLength = FIXED_HEADER_LENGTH + extensionsLength + SIGNATURE_LENGTH[fields.algorithm];
  if (headerLength > MAX_HEADER_LENGTH) throw new RangeError(`header would be ${headerLength} bytes; the format allows ${MAX_HEADER_LENGTH}`);

  const bytes = new Uint8Array(headerLength);
  bytes.set(IMAGE_MAGIC, FIELD.magic);
  writeU16(bytes, FIELD.formatVersion, FORMAT_VERSION);
  writeU16(bytes, FIELD.headerLength, headerLength);
  writeU16(bytes, FIELD.extensionsLength, extensionsLength);
  bytes[FIELD.algorithm] = ALGORITHM_ID[fields.algorithm];
  bytes[FIELD.flags] = 0;
  writeU32(bytes, FIELD.payloadLength, fields.payloadLength);
  writeU32(bytes, FIELD.payloadCrc32, fields.payloadCrc32);
  bytes.set(fields.payloadSha256, FIELD.payloadSha256);
  writeU32(bytes, FIELD.securityCounter, fields.securityCounter);
  writeU16(bytes, FIELD.versionMajor, version.major);
  writeU16(bytes, FIELD.versionMinor, version.minor);
  writeU16(bytes, FIELD.versionPatch, version.patch);
  bytes.set(asciiBytes(fields.target), FIELD.target);
  bytes.set(fields.keyId, FIELD.keyId);
  let at = FIXED_HEADER_LENGTH;
  for (const extension of extensions) {
    writeU16(bytes, at, extension.type);
    writeU16(bytes, at + 2, extension.value.length);
    bytes.set(extension.value, at + TLV_HEADER_LENGTH);
    at += TLV_HEADER_LENGTH + extension.value.length;
  }
  return bytes;
}

/** The target field: ASCII then only NULs; no NUL inside, nothing after the padding. */
function decodeTarget(bytes: Uint8Array): string | undefined {
  let length = 0;
  while (length < TARGET_LENGTH && bytes[FIELD.target + length] !== 0) length++;
  for (let i = length; i < TARGET_LENGTH; i++) if (bytes[FIELD.target + i] !== 0) return undefined;
  const text = ascii(bytes.subarray(FIELD.target, FIELD.target + length));
  return TARGET_PATTERN.test(text) ? text : undefined;
}

/** Bytes as ASCII; anything above 0x7e becomes "\ufffd", which no validating pattern accepts. */
function ascii(bytes: Uint8Array): string {
  let text = "";
  for (let i = 0; i < bytes.length; i++) {
    const byte = bytes[i]!;
    text += byte >= 0x20 && byte < 0x7f ? String.fromCharCode(byte) : "\ufffd";
  }
  return text;
}

function asciiBytes(text: string): Uint8Array {
  const bytes = new Uint8Array(text.length);
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code >= 0x7f || code < 0x20) throw new RangeError(`"${text}" is not printable ASCII`);
    bytes[i] = code;
  }
  return bytes;
}

function hex4(bytes: Uint8Array): string {
  let text = "";
  for (let i = 0; i < 4; i++) text += (bytes[i]! >>> 0).toString(16).padStart(2, "0");
  return text;
}
