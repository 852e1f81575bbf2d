/**
 * Making a signed image on the host: the header comes from the firmware's own
 * encoder (firmware/ota/header-codec.ts), so the device reads exactly what
 * the tools write.
 */
import { SIGNATURE_LENGTH } from "../../firmware/crypto/crypto-port";
import { encodeHeader, type HeaderFields } from "../../firmware/ota/header-codec";
import type { ImageExtension } from "../../firmware/ota/image-format";
import type { Semver } from "../../firmware/ota/semver";
import { createNodeCrypto } from "../../sim/crypto/node-crypto";
import { signMessage, type SigningKey } from "./key-files";

export interface ImageSpec {
  readonly payload: Uint8Array;
  readonly version: Semver;
  readonly securityCounter: number;
  readonly target: string;
  readonly extraExtensions?: readonly ImageExtension[];
}

const crypto = createNodeCrypto();

/** The header fields for `spec` signed by a key with this algorithm and id. */
export function headerFieldsFor(spec: ImageSpec, algorithm: SigningKey["algorithm"], keyId: Uint8Array): HeaderFields {
  const sha = crypto.createSha256();
  sha.update(spec.payload);
  const payloadSha256 = new Uint8Array(32);
  sha.digestInto(payloadSha256);
  return {
    algorithm,
    payloadLength: spec.payload.length,
    payloadCrc32: crypto.crc32(spec.payload, 0),
    payloadSha256,
    securityCounter: spec.securityCounter,
    version: spec.version,
    target: spec.target,
    keyId,
    ...(spec.extraExtensions !== undefined ? { extraExtensions: spec.extraExtensions } : {}),
  };
}

/** Header with its signature slot filled by `signer` over every byte before the slot. */
export function signHeader(unsigned: Uint8Array, algorithm: SigningKey["algorithm"], signer: (message: Uint8Array) => Uint8Array): Uint8Array {
  const signedLength = unsigned.length - SIGNATURE_LENGTH[algorithm];
  const signature = signer(unsigned.subarray(0, signedLength));
  if (signature.length !== SIGNATURE_LENGTH[algorithm]) throw new Error(`signer returned ${signature.length} bytes, expected ${SIGNATURE_LENGTH[algorithm]}`);
  const header = unsigned.slice();
  header.set(signature, signedLength);
  return header;
}

/** The complete image: signed header, then the payload. Throws RangeError for fields the format cannot hold. */
export function signImage(spec: ImageSpec, key: SigningKey): Uint8Array {
  const unsigned = encodeHeader(headerFieldsFor(spec, key.algorithm, key.keyId));
  const header = signHeader(unsigned, key.algorithm, (message) => signMessage(key, message));
  const image = new Uint8Array(header.length + spec.payload.length);
  image.set(header, 0);
  image.set(spec.payload, header.length);
  return image;
}
