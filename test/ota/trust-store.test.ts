import { createHash } from "node:crypto";
import { ed25519 as nobleEd25519 } from "@noble/curves/ed25519.js";
import { describe, expect, it } from "vitest";
import { toHex } from "../../firmware/crypto/hex";
import { formatPublicKeyFile, parsePublicKeyFile } from "../../firmware/ota/public-key-file";
import { TrustStore } from "../../firmware/ota/trust-store";
import { createNodeCrypto } from "../../sim/crypto/node-crypto";
import { fromHex } from "../crypto/support/wycheproof";
import { testKey } from "./support/test-keys";

const crypto = createNodeCrypto();

/**
 * The 8 points of small order on edwards25519 (orders 1, 2, 4, 4 and 8 x4),
 * canonically encoded; the test below has @noble/curves confirm each.
 */
const SMALL_ORDER = [
  "0100000000000000000000000000000000000000000000000000000000000000",
  "ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
  "0000000000000000000000000000000000000000000000000000000000000000",
  "0000000000000000000000000000000000000000000000000000000000000080",
  "26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc05",
  "26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc85",
  "c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a",
  "c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac03fa",
];

describe("trust store", () => {
  const a = testKey("ecdsa-p256-sha256", "a");
  const b = testKey("ed25519", "b");

  it("identifies keys by the first 8 bytes of SHA-256 over the raw public key", () => {
    const store = new TrustStore(crypto, [{ algorithm: a.algorithm, publicKey: a.publicKey }]);
    const id = createHash("sha256").update(a.publicKey).digest().subarray(0, 8);
    const found = store.lookup(new Uint8Array(id));
    expect(found.status).toBe("trusted");
    expect(found.status === "trusted" && found.key.keyIdHex).toBe(id.toString("hex"));
  });

  it("trusts several keys at once (rotation) and refuses revoked ones even if added again", () => {
    const store = new TrustStore(crypto);
    const keyA = store.add({ algorithm: a.algorithm, publicKey: a.publicKey, label: "2024" });
    const keyB = store.add({ algorithm: b.algorithm, publicKey: b.publicKey, label: "2025" });
    expect(store.keys.map((k) => k.label)).toEqual(["2024", "2025"]);
    store.revoke(keyA.keyIdHex);
    expect(store.lookup(keyA.keyId).status).toBe("revoked");
    store.add({ algorithm: a.algorithm, publicKey: a.publicKey });
    expect(store.lookup(keyA.keyId).status).toBe("revoked");
    expect(store.lookup(keyB.keyId).status).toBe("trusted");
    expect(store.keys.map((k) => k.label)).toEqual(["2025"]);
    store.revoke(keyB.keyId);
    expect(store.lookup(keyB.keyId).status).toBe("revoked");
    expect(store.lookup(new Uint8Array(8)).status).toBe("unknown");
  });

  it("refuses keys that are not curve points, have the wrong length, or carry someone else's id", () => {
    const store = new TrustStore(crypto);
    const offCurve = a.publicKey.slice();
    offCurve[64]! ^= 1;
    expect(() => store.add({ algorithm: "ecdsa-p256-sha256", publicKey: offCurve })).toThrow(/not a valid curve point/);
    expect(() => store.add({ algorithm: "ecdsa-p256-sha256", publicKey: a.publicKey.subarray(1) })).toThrow(/must be 65 bytes/);
    // y = 2: no x satisfies the curve equation.
    expect(() => store.add({ algorithm: "ed25519", publicKey: fromHex("02".padEnd(64, "0")) })).toThrow(/not a valid curve point/);
    expect(() => store.add({ algorithm: "ed25519", publicKey: b.publicKey, keyId: "0000000000000000" })).toThrow(/does not match/);
  });

  it.each(SMALL_ORDER)("refuses the Ed25519 key of small order %s", (hex) => {
    const point = nobleEd25519.Point.fromBytes(fromHex(hex));
    expect(point.isSmallOrder()).toBe(true);
    const store = new TrustStore(crypto);
    expect(() => store.add({ algorithm: "ed25519", publicKey: fromHex(hex) })).toThrow(/ed25519 public key is a point of small order/);
    expect(store.keys).toEqual([]);
  });

  it("has reason to: under the identity key, R = identity and S = 0 verify any message (shown on the node port)", () => {
    expect(new Set(SMALL_ORDER).size).toBe(8);
    const identity = fromHex(SMALL_ORDER[0]!);
    const forged = new Uint8Array(64);
    forged.set(identity, 0);
    for (const message of ["ota.start 9.9.9", "anything at all"]) {
      expect(crypto.verify("ed25519", identity, Uint8Array.from(message, (c) => c.charCodeAt(0)), forged)).toBe(true);
    }
  });

  it.each([
    ["y = p, an unreduced 0", "edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f"],
    ["y = p + 1, an unreduced identity", "eeffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f"],
    ["y = 2^255 - 1", "ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f"],
    ["the identity with its sign bit set (x = -0)", "0100000000000000000000000000000000000000000000000000000000000080"],
    ["(0, -1) with its sign bit set (x = -0)", "ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff"],
  ])("refuses the non-canonical Ed25519 encoding %s", (_name, hex) => {
    const store = new TrustStore(crypto);
    expect(() => store.add({ algorithm: "ed25519", publicKey: fromHex(hex) })).toThrow(/ed25519 public key is not canonically encoded/);
  });

  it.each([
    ["too short", "cfac11daa2a0b5e"],
    ["too long", "cfac11daa2a0b5eaa"],
    ["not hex", "cfac11daa2a0b5eg"],
    ["empty", ""],
  ])("refuses to revoke a key id that is %s, so no key stays trusted behind a typo", (_name, id) => {
    const store = new TrustStore(crypto);
    expect(() => store.revoke(id)).toThrow(`a key id to revoke is 16 hex digits, got "${id}"`);
  });

  it("refuses to revoke a key id of other than 8 bytes", () => {
    const store = new TrustStore(crypto);
    expect(() => store.revoke(new Uint8Array(7))).toThrow(/a key id to revoke is 8 bytes, got 7/);
  });

  it("revokes a key id given in either case", () => {
    const store = new TrustStore(crypto, [{ algorithm: a.algorithm, publicKey: a.publicKey }]);
    store.revoke(a.keyIdHex.toUpperCase());
    expect(store.lookup(a.keyId).status).toBe("revoked");
  });

  it("reads back the public key file it writes", () => {
    const text = formatPublicKeyFile({ algorithm: b.algorithm, publicKey: b.publicKey, keyId: b.keyIdHex, label: "field team" });
    const record = parsePublicKeyFile(text);
    expect(record).toEqual({ algorithm: "ed25519", publicKey: b.publicKey, keyId: b.keyIdHex, label: "field team" });
    const store = new TrustStore(crypto, [record]);
    expect(toHex(store.keys[0]!.keyId)).toBe(b.keyIdHex);
  });

  it.each([
    ["not json", "-----BEGIN PUBLIC KEY-----", /not JSON/],
    ["an array", "[]", /not a JSON object/],
    ["another format", `{"format":"x"}`, /"format" is not/],
    ["version 2", `{"format":"fieldnode-public-key","version":2}`, /version 2/],
    ["unknown algorithm", `{"format":"fieldnode-public-key","version":1,"algorithm":"rsa"}`, /unknown algorithm/],
    ["short key", `{"format":"fieldnode-public-key","version":1,"algorithm":"ed25519","publicKey":"00"}`, /32 bytes of hex/],
    ["bad key id", `{"format":"fieldnode-public-key","version":1,"algorithm":"ed25519","publicKey":"${"00".repeat(32)}","keyId":"xyz"}`, /16 lowercase hex/],
  ])("refuses a public key file that is %s", (_name, text, message) => {
    expect(() => parsePublicKeyFile(text)).toThrow(message);
  });
});
