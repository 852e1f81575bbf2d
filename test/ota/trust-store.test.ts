import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import { toHex } from "../../firmware/crypto/hex";
import { formatPublicKeyFile, parsePublicKeyFile } from "../../firmware/ota/public-key-file";
import { TrustStore } from "../../firmware/ota/trust-store";
import { createNodeCrypto } from "../../sim/crypto/node-crypto";
import { nodeSigner } from "./support/node-signers";

const crypto = createNodeCrypto();

describe("trust store", () => {
  const a = nodeSigner("ecdsa-p256-sha256");
  const b = nodeSigner("ed25519");

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
    // y = 2^255 - 1 is not reduced mod p: a non-canonical encoding RFC 8032 rejects.
    const unreduced = new Uint8Array(32).fill(0xff);
    unreduced[31] = 0x7f;
    expect(() => store.add({ algorithm: "ed25519", publicKey: unreduced })).toThrow(/not a valid curve point/);
    expect(() => store.add({ algorithm: "ed25519", publicKey: b.publicKey, keyId: "0000000000000000" })).toThrow(/does not match/);
  });

  it("reads back the public key file it writes", () => {
    const text = formatPublicKeyFile({ algorithm: b.algorithm, publicKey: b.publicKey, keyId: b.key.keyIdHex, label: "field team" });
    const record = parsePublicKeyFile(text);
    expect(record).toEqual({ algorithm: "ed25519", publicKey: b.publicKey, keyId: b.key.keyIdHex, label: "field team" });
    const store = new TrustStore(crypto, [record]);
    expect(toHex(store.keys[0]!.keyId)).toBe(b.key.keyIdHex);
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
