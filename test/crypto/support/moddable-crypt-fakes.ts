/**
 * Stand-ins for Moddable's "crypt", "ec" and "ecp" modules with the same
 * shapes and semantics as modules/crypt (Digest: write/close/reset, close
 * returning an ArrayBuffer; EC.mul2 returning an affine ECPoint whose z is 0
 * at infinity), so firmware/platform/esp32/crypto.ts can run its glue on
 * Node. The arithmetic comes from @noble/curves: independent of ours.
 */
import { createHash, type Hash } from "node:crypto";
import { p256 } from "@noble/curves/nist.js";
import { P256 } from "../../../firmware/crypto/p256";

export class FakeDigest {
  #type: string;
  #hash: Hash;
  constructor(type: string) {
    if (type !== "SHA256") throw new Error(`fake Digest: ${type} not faked`);
    this.#type = type;
    this.#hash = createHash("sha256");
  }
  write(message: string | ArrayBuffer | ArrayBufferView): void {
    if (typeof message === "string") this.#hash.update(message, "utf8");
    else if (message instanceof ArrayBuffer) this.#hash.update(new Uint8Array(message));
    else this.#hash.update(new Uint8Array(message.buffer, message.byteOffset, message.byteLength));
  }
  close(): ArrayBuffer {
    const digest = this.#hash.digest();
    return digest.buffer.slice(digest.byteOffset, digest.byteOffset + digest.byteLength) as ArrayBuffer;
  }
  reset(): void {
    this.#hash = createHash(this.#type === "SHA256" ? "sha256" : this.#type);
  }
}

export class FakeECPoint {
  x: bigint;
  y: bigint;
  z: bigint;
  constructor(x: bigint, y: bigint, identity = false) {
    this.x = x;
    this.y = y;
    this.z = identity ? 0n : 1n;
  }
  get X(): bigint {
    return this.x;
  }
  get Y(): bigint {
    return this.y;
  }
  isZero(): boolean {
    return this.z === 0n;
  }
}

export class FakeEC {
  constructor(a: bigint, b: bigint, m: bigint) {
    if (a !== P256.a || b !== P256.b || m !== P256.p) throw new Error("fake EC: only P-256 is faked");
  }
  mul2(a1: FakeECPoint, k1: bigint, a2: FakeECPoint, k2: bigint): FakeECPoint {
    const point = (p: FakeECPoint) => p256.Point.fromAffine({ x: p.x, y: p.y });
    const times = (p: FakeECPoint, k: bigint) => (k === 0n ? p256.Point.ZERO : point(p).multiplyUnsafe(k));
    const sum = times(a1, k1).add(times(a2, k2));
    if (sum.is0()) return new FakeECPoint(0n, 0n, true);
    const { x, y } = sum.toAffine();
    return new FakeECPoint(x, y);
  }
}
