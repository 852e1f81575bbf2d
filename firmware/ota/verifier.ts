import { SHA256_LENGTH, type CryptoPort, type Sha256 } from "../crypto/crypto-port";
import { toHex } from "../crypto/hex";
import type { OtaFailure } from "./errors";
import { decodeSignedFields, isFailure, prefixFailure, readPrefix, type HeaderPrefix } from "./header-codec";
import { FIELD, KEY_ID_LENGTH, MAX_HEADER_LENGTH, PREFIX_LENGTH, type ImageHeader } from "./image-format";
import { policyFailure, type UpdatePolicy } from "./policy";
import type { TrustStore } from "./trust-store";

export type VerifierPhase = "header" | "payload" | "verified" | "failed";

export type VerifyOutcome = { readonly ok: true; readonly header: ImageHeader } | ({ readonly ok: false } & OtaFailure);

export interface VerifierOptions {
  readonly crypto: CryptoPort;
  readonly trust: TrustStore;
  readonly policy: UpdatePolicy;
  /**
   * Called once, when the header has been authenticated and accepted by the
   * policy, before any payload byte is passed on: the moment to erase the
   * inactive partition.
   */
  readonly onHeader?: (header: ImageHeader) => void;
  /**
   * Payload bytes in order, with their offset in the payload. Only ever
   * called after onHeader. Passing them on does not mean they are good: only
   * finish() says that.
   */
  readonly onPayload?: (bytes: Uint8Array, payloadOffset: number) => void;
}

/**
 * The streaming image verifier: a state machine fed chunks of any size.
 *
 *   header  --(prefix ok, signature ok, policy ok)-->  payload  --finish(), all match-->  verified
 *      \______________________ any check fails ______________________/--> failed
 *
 * It buffers only the header (at most MAX_HEADER_LENGTH bytes, in a buffer
 * allocated once) and hashes the payload as it passes, so its memory is the
 * same for a 1 KiB image and a 4 MiB one, and nothing is allocated per
 * payload chunk. One instance serves any number of images (begin()).
 */
export class ImageVerifier {
  readonly #crypto: CryptoPort;
  readonly #trust: TrustStore;
  readonly #policy: UpdatePolicy;
  readonly #onHeader: ((header: ImageHeader) => void) | undefined;
  readonly #onPayload: ((bytes: Uint8Array, payloadOffset: number) => void) | undefined;
  readonly #headerBytes = new Uint8Array(MAX_HEADER_LENGTH);
  readonly #sha: Sha256;
  readonly #digest = new Uint8Array(SHA256_LENGTH);

  #phase: VerifierPhase = "header";
  #expectedImageLength: number | undefined;
  #headerFill = 0;
  #prefix: HeaderPrefix | undefined;
  #header: ImageHeader | undefined;
  #payloadReceived = 0;
  #crc = 0;
  #failure: OtaFailure | undefined;
  #finished = false;

  constructor(options: VerifierOptions) {
    this.#crypto = options.crypto;
    this.#trust = options.trust;
    this.#policy = options.policy;
    this.#onHeader = options.onHeader;
    this.#onPayload = options.onPayload;
    this.#sha = options.crypto.createSha256();
    this.begin();
  }

  /**
   * Starts a new image. `expectedImageLength` is the total the transport
   * announced (e.g. Content-Length), if it did: a header that disagrees is
   * refused (LENGTH_MISMATCH) before any payload is accepted.
   */
  begin(expectedImageLength?: number): void {
    this.#phase = "header";
    this.#expectedImageLength = expectedImageLength;
    this.#headerFill = 0;
    this.#prefix = undefined;
    this.#header = undefined;
    this.#payloadReceived = 0;
    this.#crc = 0;
    this.#failure = undefined;
    this.#finished = false;
    this.#sha.reset();
  }

  get phase(): VerifierPhase {
    return this.#phase;
  }

  /** The authenticated header, once the payload phase has been reached. */
  get header(): ImageHeader | undefined {
    return this.#header;
  }

  get failure(): OtaFailure | undefined {
    return this.#failure;
  }

  get payloadReceived(): number {
    return this.#payloadReceived;
  }

  /** Feeds the next bytes of the image. False once the image has been refused (see `failure`). */
  write(chunk: Uint8Array): boolean {
    if (this.#finished) throw new Error("ImageVerifier.write after finish(); call begin() for the next image");
    if (this.#phase === "failed") return false;
    let offset = 0;
    if (this.#phase === "header") {
      offset = this.#takeHeader(chunk);
      // The header is set exactly when it has been accepted and the payload phase begun.
      if (this.#header === undefined) return this.#failure === undefined;
    }
    const length = chunk.length - offset;
    if (length === 0) return true;
    const header = this.#header!;
    const remaining = header.payloadLength - this.#payloadReceived;
    if (length > remaining) {
      return this.#fail({
        code: "TRAILING_BYTES",
        message: `${length - remaining} bytes after the ${header.payloadLength}-byte payload`,
      });
    }
    // Only the chunk that straddles the header creates a view; payload chunks pass through as they are.
    const payload = offset === 0 ? chunk : chunk.subarray(offset);
    this.#crc = this.#crypto.crc32(payload, this.#crc);
    this.#sha.update(payload);
    const at = this.#payloadReceived;
    this.#payloadReceived += length;
    this.#onPayload?.(payload, at);
    return true;
  }

  /** Ends the image: success only if the header was accepted and length, CRC-32 and SHA-256 all match. */
  finish(): VerifyOutcome {
    if (!this.#finished) {
      this.#finished = true;
      this.#conclude();
    }
    const failure = this.#failure;
    if (failure !== undefined) return { ok: false, code: failure.code, message: failure.message };
    return { ok: true, header: this.#header! };
  }

  #conclude(): void {
    if (this.#phase === "failed") return;
    if (this.#phase === "header") {
      const needed = this.#prefix?.headerLength ?? PREFIX_LENGTH;
      this.#fail({ code: "TRUNCATED", message: `stream ended after ${this.#headerFill} of the header's ${needed} bytes` });
      return;
    }
    const header = this.#header!;
    if (this.#payloadReceived < header.payloadLength) {
      this.#fail({ code: "TRUNCATED", message: `stream ended after ${this.#payloadReceived} of ${header.payloadLength} payload bytes` });
      return;
    }
    if (this.#crc !== header.payloadCrc32) {
      this.#fail({ code: "CRC_MISMATCH", message: `payload CRC-32 ${hex32(this.#crc)}, header says ${hex32(header.payloadCrc32)}` });
      return;
    }
    this.#sha.digestInto(this.#digest);
    for (let i = 0; i < SHA256_LENGTH; i++) {
      if (this.#digest[i] !== header.payloadSha256[i]) {
        this.#fail({ code: "DIGEST_MISMATCH", message: "payload SHA-256 differs from the signed header's" });
        return;
      }
    }
    this.#phase = "verified";
  }

  /** Buffers header bytes from `chunk`; returns how many it consumed. */
  #takeHeader(chunk: Uint8Array): number {
    const buffer = this.#headerBytes;
    let offset = 0;
    while (this.#phase === "header" && offset < chunk.length) {
      // Until the prefix is known, buffer only the prefix: its lengths are not trusted yet.
      const target = this.#prefix === undefined ? PREFIX_LENGTH : this.#prefix.headerLength;
      const take = Math.min(target - this.#headerFill, chunk.length - offset);
      for (let i = 0; i < take; i++) buffer[this.#headerFill + i] = chunk[offset + i]!;
      this.#headerFill += take;
      offset += take;
      if (this.#prefix === undefined) {
        const problem = prefixFailure(buffer, this.#headerFill);
        if (problem !== undefined) {
          this.#fail(problem);
          break;
        }
        if (this.#headerFill === PREFIX_LENGTH) this.#prefix = readPrefix(buffer);
      } else if (this.#headerFill === this.#prefix.headerLength) {
        this.#acceptHeader(this.#prefix);
      }
    }
    return offset;
  }

  #acceptHeader(prefix: HeaderPrefix): void {
    const bytes = this.#headerBytes.subarray(0, prefix.headerLength);
    const keyId = bytes.subarray(FIELD.keyId, FIELD.keyId + KEY_ID_LENGTH);
    const found = this.#trust.lookup(keyId);
    if (found.status === "revoked") {
      this.#fail({ code: "KEY_REVOKED", message: `key ${toHex(keyId)} has been revoked` });
      return;
    }
    if (found.status === "unknown" || found.key.algorithm !== prefix.algorithm) {
      this.#fail({ code: "UNKNOWN_KEY", message: `no trusted ${prefix.algorithm} key with id ${toHex(keyId)}` });
      return;
    }
    const signed = bytes.subarray(0, prefix.signedLength);
    const signature = bytes.subarray(prefix.signedLength, prefix.headerLength);
    if (!this.#crypto.verify(prefix.algorithm, found.key.publicKey, signed, signature)) {
      this.#fail({ code: "BAD_SIGNATURE", message: `header signature does not verify under key ${found.key.keyIdHex}` });
      return;
    }
    const header = decodeSignedFields(bytes, prefix);
    if (isFailure(header)) {
      this.#fail(header);
      return;
    }
    const refused = policyFailure(header, this.#policy, this.#expectedImageLength);
    if (refused !== undefined) {
      this.#fail(refused);
      return;
    }
    this.#header = header;
    this.#phase = "payload";
    this.#onHeader?.(header);
  }

  #fail(failure: OtaFailure): false {
    this.#failure = failure;
    this.#phase = "failed";
    return false;
  }
}

function hex32(value: number): string {
  return (value >>> 0).toString(16).padStart(8, "0");
}
