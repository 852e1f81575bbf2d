/**
 * The fixed keys and signers the OTA tests sign with: deterministic, so a
 * seeded test (the mutation sweep) is fully determined by its seed.
 */
import { createHash, createPublicKey, verify } from "node:crypto";
import { describe, expect, it } from "vitest";
import { toHex } from "../../firmware/crypto/hex";
import { fromHex } from "../crypto/support/wycheproof";
import { ed25519TestKey, p256TestKey, testKey } from "./support/test-keys";

const ascii = (text: string): Uint8Array => Uint8Array.from(text, (c) => c.charCodeAt(0));

describe("test keys", () => {
  it("sign ECDSA P-256 with RFC 6979's deterministic nonce (RFC 6979 A.2.5, SHA-256, \"sample\")", () => {
    const key = p256TestKey(fromHex("c9afa9d845ba75166b5c215767b1d6934e50c3db36e89b127b8a622b120f6721"), "rfc6979");
    expect(toHex(key.publicKey)).toBe(
      "0460fed4ba255a9d31c961eb74c6356d68c049b8923b61fa6ce669622e60f29fb67903fe1008b8bc99a41ae9e95628bc64f2f1b20c2d7e9f5177a3c294d4462299",
    );
    expect(toHex(key.sign(ascii("sample")))).toBe(
      "efd48b2aacb6a8fd1140dd9cd45e81d69d2c877b56aaf991c34d0ea84eaf3716" + "f7cb1c942d657c41d436c7a1b6e29f65f3e900dbb9aff4064dc4ab2f843acda8",
    );
  });

  it("sign Ed25519 as RFC 8032 prescribes (RFC 8032 7.1, test 1)", () => {
    const key = ed25519TestKey(fromHex("9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60"), "rfc8032");
    expect(toHex(key.publicKey)).toBe("d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a");
    expect(toHex(key.sign(new Uint8Array(0)))).toBe(
      "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b",
    );
  });

  it("are the same on every call for a label, different across labels, and identified by SHA-256 of the raw key", () => {
    for (const algorithm of ["ecdsa-p256-sha256", "ed25519"] as const) {
      const a = testKey(algorithm, "a");
      expect(testKey(algorithm, "a").publicKey).toEqual(a.publicKey);
      expect(a.sign(ascii("m"))).toEqual(testKey(algorithm, "a").sign(ascii("m")));
      expect(testKey(algorithm, "b").publicKey).not.toEqual(a.publicKey);
      expect(a.keyIdHex).toBe(createHash("sha256").update(a.publicKey).digest("hex").slice(0, 16));
    }
  });

  it("make signatures OpenSSL accepts", () => {
    const spki = {
      "ecdsa-p256-sha256": "3059301306072a8648ce3d020106082a8648ce3d030107034200",
      ed25519: "302a300506032b6570032100",
    } as const;
    for (const algorithm of ["ecdsa-p256-sha256", "ed25519"] as const) {
      const key = testKey(algorithm, "openssl");
      const publicKey = createPublicKey({ key: Buffer.concat([Buffer.from(spki[algorithm], "hex"), key.publicKey]), format: "der", type: "spki" });
      const message = ascii("fieldnode");
      const signature = key.sign(message);
      const ok = algorithm === "ed25519" ? verify(null, message, publicKey, signature) : verify("sha256", message, { key: publicKey, dsaEncoding: "ieee-p1363" }, signature);
      expect(ok, algorithm).toBe(true);
    }
  });
});
