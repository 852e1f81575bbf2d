/**
 * Builds signed images from parts with nothing but the firmware's own code
 * and a crypto port, so it runs in the XS engine too; tests sign with the
 * fixed keys of test-keys.ts.
 */
import { SIGNATURE_LENGTH, type CryptoPort, type SignatureAlgorithm } from "../../../firmware/crypto/crypto-port";
import { encodeHeader } from "../../../firmware/ota/header-codec";
import type { ImageExtension } from "../../../firmware/ota/image-format";
import { computeKeyId } from "../../../firmware/ota/key-id";
import { parseSemver, type Semver } from "../../../firmware/ota/semver";

export interface TestSigner {
  readonly algorithm: SignatureAlgorithm;
  readonly publicKey: Uint8Array;
  sign(message: Uint8Array): Uint8Array;
}

export interface ImageParts {
  readonly payload: Uint8Array;
  readonly version?: string;
  readonly securityCounter?: number;
  readonly target?: string;
  readonly extraExtensions?: readonly ImageExtension[];
  /** Overrides the key id written into the header (default: the signer's). */
  readonly keyId?: Uint8Array;
  /** Edits the unsigned header before it is signed. */
  readonly editHeader?: (header: Uint8Array) => void;
}

export function semver(text: string): Semver {
  const parsed = parseSemver(text);
  if (typeof parsed === "string") throw new Error(parsed);
  return parsed;
}

export function keyIdOf(crypto: CryptoPort, publicKey: Uint8Array): Uint8Array {
  return computeKeyId(crypto.createSha256(), publicKey);
}

export function buildImage(crypto: CryptoPort, signer: TestSigner, parts: ImageParts): Uint8Array {
  const sha = crypto.createSha256();
  sha.update(parts.payload);
  const payloadSha256 = new Uint8Array(32);
  sha.digestInto(payloadSha256);
  const header = encodeHeader({
    algorithm: signer.algorithm,
    payloadLength: parts.payload.length,
    payloadCrc32: crypto.crc32(parts.payload, 0),
    payloadSha256,
    securityCounter: parts.securityCounter ?? 0,
    version: semver(parts.version ?? "1.0.0"),
    target: parts.target ?? "esp32",
    keyId: parts.keyId ?? keyIdOf(crypto, signer.publicKey),
    ...(parts.extraExtensions !== undefined ? { extraExtensions: parts.extraExtensions } : {}),
  });
  parts.editHeader?.(header);
  resign(header, signer);
  const image = new Uint8Array(header.length + parts.payload.length);
  image.set(header, 0);
  image.set(parts.payload, header.length);
  return image;
}

/** Re-signs a header in place (bytes [0, length - 64) under `signer`). */
export function resign(header: Uint8Array, signer: TestSigner): void {
  const signedLength = header.length - SIGNATURE_LENGTH[signer.algorithm];
  header.set(signer.sign(header.subarray(0, signedLength)), signedLength);
}
