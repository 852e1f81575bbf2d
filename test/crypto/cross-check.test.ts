/**
 * The ports against independent signers and verifiers: node:crypto,
 * @noble/curves and tweetnacl sign random messages; every port must accept,
 * and after a random corruption every port must agree with the reference
 * verifier (noble for ECDSA, tweetnacl plus an S < L check for Ed25519).
 * The pure-JS port is built on those same libraries, so for it this checks
 * the glue (lengths, key form, high S, S < L); the node and esp32 ports are
 * checked against code that is not theirs.
 */
import { generateKeyPairSync, sign } from "node:crypto";
import { ed25519 as nobleEd25519 } from "@noble/curves/ed25519.js";
import { p256 } from "@noble/curves/nist.js";
import fc from "fast-check";
import nacl from "tweetnacl";
import { describe, expect, it } from "vitest";
import { bigIntFromBytesBE, bigIntFromBytesLE, mod, modInverse, modPow } from "../../firmware/crypto/bigint-bytes";
import type { CryptoPort, SignatureAlgorithm } from "../../firmware/crypto/crypto-port";
import { ecdsaDerToP1363, ecdsaP1363ToDer } from "../../firmware/crypto/ecdsa-der";
import { D, SQRT_M1 } from "../../firmware/crypto/ed25519";
import { P256 } from "../../firmware/crypto/p256";
import { rawPublicKey } from "../../host/keys/key-files";
import { PORTS } from "./ports";

const L = 2n ** 252n + 27742317777372353535851937790883648493n;

interface Signed {
  algorithm: SignatureAlgorithm;
  publicKey: Uint8Array;
  message: Uint8Array;
  signature: Uint8Array;
}

type Signer = (seed: Uint8Array, message: Uint8Array) => Signed;

const SIGNERS: Record<string, Signer> = {
  "node:crypto P-256": (_seed, message) => {
    const pair = generateKeyPairSync("ec", { namedCurve: "prime256v1" });
    const signature = new Uint8Array(sign("sha256", message, { key: pair.privateKey, dsaEncoding: "ieee-p1363" }));
    return { algorithm: "ecdsa-p256-sha256", publicKey: rawPublicKey(pair.publicKey, "k").publicKey, message, signature };
  },
  "noble P-256 (high S allowed)": (seed, message) => {
    const secret = p256.utils.randomSecretKey(seed.length === 48 ? seed : new Uint8Array(48).fill(7));
    const signature = p256.sign(message, secret, { lowS: false });
    return { algorithm: "ecdsa-p256-sha256", publicKey: p256.getPublicKey(secret, false), message, signature };
  },
  "node:crypto Ed25519": (_seed, message) => {
    const pair = generateKeyPairSync("ed25519");
    return { algorithm: "ed25519", publicKey: rawPublicKey(pair.publicKey, "k").publicKey, message, signature: new Uint8Array(sign(null, message, pair.privateKey)) };
  },
  "tweetnacl Ed25519": (seed, message) => {
    const pair = nacl.sign.keyPair.fromSeed(seed.subarray(0, 32));
    return { algorithm: "ed25519", publicKey: pair.publicKey, message, signature: nacl.sign.detached(message, pair.secretKey) };
  },
  "noble Ed25519": (seed, message) => {
    const secret = seed.subarray(0, 32);
    return { algorithm: "ed25519", publicKey: nobleEd25519.getPublicKey(secret), message, signature: nobleEd25519.sign(message, secret) };
  },
};

/** The reference verdict: libraries we did not write. */
function reference(s: Signed): boolean {
  if (s.algorithm === "ecdsa-p256-sha256") {
    try {
      return p256.verify(s.signature, s.message, s.publicKey, { lowS: false });
    } catch {
      return false;
    }
  }
  // tweetnacl does not reject S >= L (malleable); RFC 8032 does.
  if (bigIntFromBytesLE(s.signature, 32, 32) >= L) return false;
  return nacl.sign.detached.verify(s.message, s.signature, s.publicKey);
}

const ports: Array<{ name: string; port: CryptoPort }> = PORTS.map((p) => ({ name: p.name, port: p.create() }));

describe.each(Object.entries(SIGNERS))("signatures made by %s", (_name, signer) => {
  it("are accepted by every port, and corruptions are judged as the reference verifier judges them", () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: 48, maxLength: 48 }),
        fc.uint8Array({ maxLength: 300 }),
        fc.constantFrom("signature", "message", "publicKey"),
        fc.nat(),
        fc.integer({ min: 0, max: 7 }),
        (seed, message, where, position, bit) => {
          const signed = signer(seed, message);
          for (const { port } of ports) expect(port.verify(signed.algorithm, signed.publicKey, signed.message, signed.signature)).toBe(true);
          const corrupted = { ...signed, [where]: signed[where].slice() } as Signed;
          const target = corrupted[where];
          if (target.length === 0) return;
          target[position % target.length]! ^= 1 << bit;
          const expected = reference(corrupted);
          for (const { name, port } of ports) {
            expect(port.verify(corrupted.algorithm, corrupted.publicKey, corrupted.message, corrupted.signature), name).toBe(expected);
          }
        },
      ),
      { numRuns: 40, seed: 0x0ac0ffee },
    );
  });
});

describe.each(PORTS)("signature forms through the $name port", ({ create }) => {
  const port = create();
  const message = Uint8Array.from("fieldnode", (c) => c.charCodeAt(0));

  it("accepts an ECDSA signature with high S: (r, n - s) is as valid as (r, s)", () => {
    const secret = new Uint8Array(32).fill(0x42);
    const publicKey = p256.getPublicKey(secret, false);
    const signature = p256.sign(message, secret, { lowS: false });
    const s = bigIntFromBytesBE(signature, 32, 32);
    const flipped = signature.slice();
    flipped.set(bigIntToBytes(P256.n - s, 32, "be"), 32);
    expect(port.verify("ecdsa-p256-sha256", publicKey, message, signature)).toBe(true);
    expect(port.verify("ecdsa-p256-sha256", publicKey, message, flipped)).toBe(true);
  });

  it("refuses an Ed25519 signature whose S is not reduced: (R, S + L) is the same signature in a second form", () => {
    const pair = nacl.sign.keyPair.fromSeed(new Uint8Array(32).fill(0x24));
    const signature = nacl.sign.detached(message, pair.secretKey);
    const malleated = signature.slice();
    malleated.set(bigIntToBytes(bigIntFromBytesLE(signature, 32, 32) + L, 32, "le"), 32);
    expect(port.verify("ed25519", pair.publicKey, message, signature)).toBe(true);
    expect(nacl.sign.detached.verify(message, malleated, pair.publicKey)).toBe(true); // what the port has to add to tweetnacl
    expect(port.verify("ed25519", pair.publicKey, message, malleated)).toBe(false);
  });
});

/** `value` as `length` bytes, big- or little-endian. */
function bigIntToBytes(value: bigint, length: number, order: "be" | "le"): Uint8Array {
  const out = new Uint8Array(length);
  let v = value;
  for (let i = 0; i < length; i++) {
    out[order === "le" ? i : length - 1 - i] = Number(v & 0xffn);
    v >>= 8n;
  }
  if (v !== 0n) throw new RangeError(`${value} does not fit in ${length} bytes`);
  return out;
}

describe("ECDSA DER conversion", () => {
  it("round-trips P1363 through DER, and node:crypto's DER signatures convert to what the ports accept", () => {
    const pair = generateKeyPairSync("ec", { namedCurve: "prime256v1" });
    const publicKey = rawPublicKey(pair.publicKey, "k").publicKey;
    for (let i = 0; i < 50; i++) {
      const message = Uint8Array.of(i, i + 1, i + 2);
      const der = new Uint8Array(sign("sha256", message, { key: pair.privateKey, dsaEncoding: "der" }));
      const p1363 = ecdsaDerToP1363(der);
      expect(p1363).toBeDefined();
      expect(ecdsaP1363ToDer(p1363!)).toEqual(der);
      for (const { port } of ports) expect(port.verify("ecdsa-p256-sha256", publicKey, message, p1363!)).toBe(true);
    }
  });

  it("refuses BER: long-form short lengths, padded integers, trailing bytes, negative values", () => {
    const r = new Uint8Array(32).fill(0x11);
    const s = new Uint8Array(32).fill(0x22);
    const good = ecdsaP1363ToDer(new Uint8Array([...r, ...s]));
    expect(ecdsaDerToP1363(good)).toEqual(new Uint8Array([...r, ...s]));
    const longForm = new Uint8Array([0x30, 0x81, good[1]!, ...good.subarray(2)]);
    const padded = new Uint8Array([0x30, good[1]! + 1, 0x02, 0x21, 0x00, ...r, ...good.subarray(2 + 34)]);
    const trailing = new Uint8Array([...good, 0x00]);
    // r = 0x80.. written without the 0x00 that keeps it positive.
    const negative = new Uint8Array([0x30, 0x44, 0x02, 0x20, 0x80, ...r.subarray(1), 0x02, 0x20, ...s]);
    const empty = [new Uint8Array(0), Uint8Array.of(0x30, 0x00)];
    for (const bad of [longForm, padded, trailing, negative, ...empty]) expect(ecdsaDerToP1363(bad)).toBeUndefined();
  });
});

describe("Ed25519 curve constants", () => {
  it("the literals in firmware/crypto/ed25519.ts are -121665/121666 and sqrt(-1) mod p", () => {
    const p = 2n ** 255n - 19n;
    expect(mod(-121665n * modInverse(121666n, p), p)).toBe(D);
    expect(modPow(2n, (p - 1n) / 4n, p)).toBe(SQRT_M1);
    expect((SQRT_M1 * SQRT_M1) % p).toBe(p - 1n);
  });
});
