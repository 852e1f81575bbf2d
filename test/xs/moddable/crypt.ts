import { Sha256Js } from "../../../firmware/crypto/sha256";

/** Moddable's `crypt` Digest, SHA256 only, over the portable implementation. */
export class Digest {
  readonly #sha = new Sha256Js();
  constructor(algorithm: string) {
    if (algorithm !== "SHA256") throw new Error(`the XS suite's Digest fake has only SHA256, not ${algorithm}`);
  }
  reset(): void {
    this.#sha.reset();
  }
  write(data: Uint8Array): void {
    this.#sha.update(data);
  }
  close(): ArrayBuffer {
    const out = new Uint8Array(32);
    this.#sha.digestInto(out);
    return out.buffer;
  }
}
