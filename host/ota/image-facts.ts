/**
 * What ota.start needs to know about an image file, read from its signed
 * header the way `fieldnode inspect` does: the version the device must find
 * and the payload SHA-256 it must compute, so a device refuses any other
 * file that happens to sit at the URL.
 */
import { toHex } from "../../firmware/crypto/hex";
import { decodeHeader } from "../../firmware/ota/header-codec";
import { formatSemver } from "../../firmware/ota/semver";

export interface ImageFacts {
  readonly version: string;
  readonly sha256: string;
  readonly target: string;
  readonly securityCounter: number;
  readonly size: number;
}

/** Throws OtaError (with its code) when `image` does not start with a fieldnode header. */
export function imageFacts(image: Uint8Array): ImageFacts {
  const header = decodeHeader(image);
  return {
    version: formatSemver(header.version),
    sha256: toHex(header.payloadSha256),
    target: header.target,
    securityCounter: header.securityCounter,
    size: image.length,
  };
}
