/**
 * Streams an image through a verifier the way a transport would, recording
 * what the verifier let through. Language only (XS scenarios use it).
 */
import type { ImageHeader } from "../../../firmware/ota/image-format";
import type { ImageVerifier, VerifyOutcome } from "../../../firmware/ota/verifier";
import { chunkSize, type Prng } from "./prng";

export interface Recorder {
  onHeader: (header: ImageHeader) => void;
  onPayload: (bytes: Uint8Array, offset: number) => void;
  record: { header: ImageHeader | undefined; payloadBytes: number; outOfOrder: boolean; beforeHeader: boolean };
}

/** Callbacks for VerifierOptions that check the verifier's promises while recording. */
export function recorder(): Recorder {
  const record = { header: undefined as ImageHeader | undefined, payloadBytes: 0, outOfOrder: false, beforeHeader: false };
  return {
    record,
    onHeader: (header) => {
      record.header = header;
    },
    onPayload: (bytes, offset) => {
      if (record.header === undefined) record.beforeHeader = true;
      if (offset !== record.payloadBytes) record.outOfOrder = true;
      record.payloadBytes += bytes.length;
    },
  };
}

/** Feeds `image` in chunks chosen by `sizes` (a fixed size, or a seeded mix), then finishes. */
export function feed(verifier: ImageVerifier, image: Uint8Array, sizes: number | Prng, expectedImageLength?: number): { outcome: VerifyOutcome; writes: number } {
  verifier.begin(expectedImageLength);
  let writes = 0;
  for (let at = 0; at < image.length; ) {
    const size = typeof sizes === "number" ? sizes : chunkSize(sizes);
    const end = Math.min(image.length, at + size);
    writes++;
    if (!verifier.write(image.subarray(at, end))) break;
    at = end;
  }
  return { outcome: verifier.finish(), writes };
}
