import { createPublicKey, generateKeyPairSync } from "node:crypto";
import { readFileSync, statSync, writeFileSync } from "node:fs";
import { afterAll, describe, expect, it } from "vitest";
import { createPureJsCrypto } from "../../firmware/crypto/pure-js";
import { createFilesExclusive, FileExistsError, writeFileAtomic } from "../../host/keys/atomic-write";
import { generateKey, KeyFileError, parsePrivateKeyPem, parsePublicKeyText, signMessage } from "../../host/keys/key-files";
import { scratchDir } from "./support/cli";

const scratch = scratchDir("keys");
afterAll(() => scratch.remove());

describe("key files", () => {
  it.each(["p256", "ed25519"] as const)("a generated %s key reads back from every form, and its signatures verify in pure JS", (type) => {
    const generated = generateKey(type);
    const key = parsePrivateKeyPem(generated.privatePem, "k.pem");
    expect(key.keyIdHex).toBe(generated.keyIdHex);
    const spki = generateSpki(generated.privatePem);
    for (const [text, source] of [[generated.publicFile, "k.pub"], [spki, "k.spki.pem"], [generated.privatePem, "k.pem"]] as const) {
      const pub = parsePublicKeyText(text, source);
      expect(pub).toEqual({ algorithm: key.algorithm, publicKey: key.publicKey, keyIdHex: key.keyIdHex });
    }
    const message = Uint8Array.of(1, 2, 3);
    const signature = signMessage(key, message);
    expect(signature.length).toBe(64);
    expect(createPureJsCrypto().verify(key.algorithm, key.publicKey, message, signature)).toBe(true);
  });

  it("takes SEC1 \"EC PRIVATE KEY\" PEM as well as PKCS#8", () => {
    const sec1 = generateKeyPairSync("ec", { namedCurve: "prime256v1" }).privateKey.export({ format: "pem", type: "sec1" }).toString();
    expect(sec1).toMatch(/BEGIN EC PRIVATE KEY/);
    expect(parsePrivateKeyPem(sec1, "sec1.pem").algorithm).toBe("ecdsa-p256-sha256");
  });

  it.each([
    ["a certificate", "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n", /holds a CERTIFICATE, not a private key/],
    ["nothing PEM", "just text", /not a PEM private key/],
    ["a corrupt PEM body", "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n", /could not be read as a private key/],
    ["an encrypted PKCS#8 key", "-----BEGIN ENCRYPTED PRIVATE KEY-----\nAAAA\n-----END ENCRYPTED PRIVATE KEY-----\n", /is encrypted; decrypt it first/],
  ])("explains why %s is not a signing key", (_name, text, message) => {
    expect(() => parsePrivateKeyPem(text, "key.pem")).toThrow(KeyFileError);
    expect(() => parsePrivateKeyPem(text, "key.pem")).toThrow(message);
  });

  it("explains why a file is not a public key", () => {
    expect(() => parsePublicKeyText("hello", "x")).toThrow(/neither a fieldnode \.pub file nor a PEM key/);
    expect(() => parsePublicKeyText(`{"format":"fieldnode-public-key","version":1,"algorithm":"ed25519","publicKey":"00"}`, "x.pub")).toThrow(/x\.pub: "publicKey" must be 32 bytes/);
  });
});

function generateSpki(privatePem: string): string {
  // The SPKI form openssl pkey -pubout writes.
  return createPublicKey(privatePem).export({ format: "pem", type: "spki" }).toString();
}

describe("atomic writes", () => {
  it("replaces a file whole, with the mode asked for", () => {
    const file = scratch.path("image.bin");
    writeFileSync(file, "old");
    writeFileAtomic({ path: file, data: Uint8Array.of(1, 2, 3), mode: 0o640 });
    expect([...readFileSync(file)]).toEqual([1, 2, 3]);
    expect(statSync(file).mode & 0o777).toBe(0o640);
    expect(scratch.files().filter((f) => f.endsWith(".tmp"))).toEqual([]);
  });

  it("creates all files or none, and never replaces one", () => {
    createFilesExclusive([{ path: scratch.path("a"), data: "1", mode: 0o600 }, { path: scratch.path("b"), data: "2", mode: 0o644 }]);
    expect(statSync(scratch.path("a")).mode & 0o777).toBe(0o600);
    expect(() => createFilesExclusive([{ path: scratch.path("c"), data: "3", mode: 0o600 }, { path: scratch.path("b"), data: "x", mode: 0o600 }])).toThrow(FileExistsError);
    expect(readFileSync(scratch.path("b"), "utf8")).toBe("2");
    expect(scratch.files()).toEqual(["a", "b", "image.bin"]);
  });
});
