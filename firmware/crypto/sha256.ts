import { sha256 } from "@noble/hashes/sha2.js";
import type { Sha256 } from "./crypto-port";

type NobleSha256 = ReturnType<typeof sha256.create>;

/**
 * SHA-256 in plain JavaScript (@noble/hashes) behind the port's reusable
 * interface, for engines without a native digest: the pure-JS port, and the
 * XS suite's stand-in for Moddable's Digest.
 *
 * A noble hash cannot be rewound once it has produced its digest, so reset()
 * starts a fresh one: one small allocation per image. noble also makes a
 * DataView over each update()'s input; that is short-lived garbage, nothing
 * the verifier retains.
 */
export class Sha256Js implements Sha256 {
  #hash: NobleSha256 = sha256.create();

  reset(): void {
    this.#hash = sha256.create();
  }

  update(data: Uint8Array): void {
    this.#hash.update(data);
  }

  digestInto(out: Uint8Array, offset = 0): void {
    this.#hash.digestInto(offset === 0 ? out : out.subarray(offset));
    this.reset();
  }
}
