/**
 * openssl interop: keys openssl makes are accepted in every PEM form, key ids
 * can be recomputed with openssl, image signatures verify with
 * `openssl dgst` / `openssl pkeyutl`, and signatures openssl makes over a
 * header verify on the device's verifier. Skipped, saying so, without openssl.
 */
import { createHash } from "node:crypto";
import { readFileSync, writeFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ecdsaDerToP1363, ecdsaP1363ToDer } from "../../firmware/crypto/ecdsa-der";
import { toHex } from "../../firmware/crypto/hex";
import { decodeHeader, encodeHeader } from "../../firmware/ota/header-codec";
import { EXIT } from "../../host/cli/command";
import { headerFieldsFor, signHeader } from "../../host/keys/image-signing";
import { parsePrivateKeyPem, parsePublicKeyText } from "../../host/keys/key-files";
import { semver } from "../ota/support/image-builder";
import { cli, scratchDir } from "./support/cli";
import { openssl, OPENSSL_SKIP_REASON, OPENSSL_VERSION } from "./support/openssl";

const scratch = scratchDir("openssl");
const { path } = scratch;
afterAll(() => scratch.remove());

const suite = OPENSSL_VERSION === undefined ? `openssl interop — ${OPENSSL_SKIP_REASON}` : `openssl interop (${OPENSSL_VERSION})`;

/** The key forms openssl users actually have, made once for the whole suite. */
const KEYS: ReadonlyArray<{ name: string; file: string; make: string[][] }> = [
  { name: "ecparam -genkey (EC PARAMETERS + SEC1)", file: "ecparam.pem", make: [["ecparam", "-name", "prime256v1", "-genkey", "-out", path("ecparam.pem")]] },
  { name: "ecparam -genkey -noout (SEC1 only)", file: "sec1.pem", make: [["ecparam", "-name", "prime256v1", "-genkey", "-noout", "-out", path("sec1.pem")]] },
  { name: "genpkey EC (PKCS#8)", file: "pkcs8.pem", make: [["genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-out", path("pkcs8.pem")]] },
  {
    name: "pkcs8 -topk8 of a SEC1 key",
    file: "topk8.pem",
    make: [
      ["ecparam", "-name", "prime256v1", "-genkey", "-noout", "-out", path("topk8-source.pem")],
      ["pkcs8", "-topk8", "-nocrypt", "-in", path("topk8-source.pem"), "-out", path("topk8.pem")],
    ],
  },
  { name: "genpkey ed25519", file: "ed.pem", make: [["genpkey", "-algorithm", "ed25519", "-out", path("ed.pem")]] },
];

const payload = Uint8Array.from({ length: 5000 }, (_, i) => (i * 31) & 0xff);

/** Signs app.bin with `keyFile` into a file of this test's own, and returns its path. */
async function signedImage(keyFile: string, out: string): Promise<string> {
  const run = await cli("sign", "--key", path(keyFile), "--version", "1.0.0", path("app.bin"), "--out", path(out));
  if (run.code !== EXIT.ok) throw new Error(`fieldnode sign --key ${keyFile} failed (${run.code}): ${run.stderr}`);
  return path(out);
}

describe.skipIf(OPENSSL_VERSION === undefined)(suite, () => {
  beforeAll(() => {
    writeFileSync(path("app.bin"), payload);
    for (const key of KEYS) {
      for (const args of key.make) openssl(args);
      openssl(["pkey", "-in", path(key.file), "-pubout", "-out", path(`${key.file}.pub.pem`)]);
    }
  });

  it.each(KEYS)("signs with a key from openssl $name and verifies against openssl's public key", async ({ file }) => {
    const pubPem = path(`${file}.pub.pem`);
    const sign = await cli("sign", "--key", path(file), "--version", "1.0.0", path("app.bin"), "--out", path(`${file}.img`));
    expect(sign.stderr).toBe("");
    expect(sign.code).toBe(EXIT.ok);
    expect((await cli("verify", "--pub", pubPem, path(`${file}.img`))).code).toBe(EXIT.ok);

    // The key id is SHA-256 of the raw public key, which openssl can recompute.
    const der = openssl(["pkey", "-in", path(file), "-pubout", "-outform", "DER"]).stdout;
    const raw = der.subarray(der.length - (file === "ed.pem" ? 32 : 65));
    const id = createHash("sha256").update(raw).digest("hex").slice(0, 16);
    expect(parsePrivateKeyPem(readFileSync(path(file), "utf8"), file).keyIdHex).toBe(id);
    expect(parsePublicKeyText(readFileSync(pubPem, "utf8"), pubPem).keyIdHex).toBe(id);
    expect(JSON.parse((await cli("inspect", "--json", path(`${file}.img`))).stdout).keyId).toBe(id);
  });

  it("an ECDSA image signature verifies with openssl dgst -sha256 -verify", async () => {
    const image = new Uint8Array(readFileSync(await signedImage("sec1.pem", "dgst.img")));
    const header = decodeHeader(image);
    writeFileSync(path("dgst-signed.bin"), image.subarray(0, header.signedLength));
    writeFileSync(path("dgst-signature.der"), ecdsaP1363ToDer(header.signature));
    const result = openssl(["dgst", "-sha256", "-verify", path("sec1.pem.pub.pem"), "-signature", path("dgst-signature.der"), path("dgst-signed.bin")]);
    expect(result.stdout.toString()).toContain("Verified OK");
  });

  it("an Ed25519 image signature verifies with openssl pkeyutl -verify -rawin", async () => {
    const image = new Uint8Array(readFileSync(await signedImage("ed.pem", "pkeyutl.img")));
    const header = decodeHeader(image);
    writeFileSync(path("pkeyutl-signed.bin"), image.subarray(0, header.signedLength));
    writeFileSync(path("pkeyutl-signature.bin"), header.signature);
    const result = openssl(["pkeyutl", "-verify", "-pubin", "-inkey", path("ed.pem.pub.pem"), "-rawin", "-in", path("pkeyutl-signed.bin"), "-sigfile", path("pkeyutl-signature.bin")]);
    expect(result.stdout.toString()).toContain("Signature Verified Successfully");
  });

  it("a header signed by openssl dgst -sha256 -sign (external signing) verifies on the device's verifier", async () => {
    const key = parsePrivateKeyPem(readFileSync(path("ecparam.pem"), "utf8"), "ecparam.pem");
    const unsigned = encodeHeader(headerFieldsFor({ payload, version: semver("3.1.4"), securityCounter: 2, target: "esp32" }, key.algorithm, key.keyId));
    const header = signHeader(unsigned, key.algorithm, (message) => {
      writeFileSync(path("tbs.bin"), message);
      const der = openssl(["dgst", "-sha256", "-sign", path("ecparam.pem"), path("tbs.bin")]).stdout;
      const p1363 = ecdsaDerToP1363(new Uint8Array(der));
      if (p1363 === undefined) throw new Error(`openssl produced a signature that is not strict DER: ${toHex(der)}`);
      return p1363;
    });
    writeFileSync(path("external.img"), new Uint8Array([...header, ...payload]));
    const run = await cli("verify", "--pub", path("ecparam.pem.pub.pem"), path("external.img"));
    expect(run.stderr).toBe("");
    expect(run.stdout).toContain("fieldnode 3.1.4 for esp32, security counter 2");
  });

  it("refuses openssl keys it cannot use, saying what to use instead", async () => {
    openssl(["genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:secp384r1", "-out", path("p384.pem")]);
    openssl(["genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-aes-256-cbc", "-pass", "pass:secret", "-out", path("encrypted.pem")]);
    openssl(["genpkey", "-algorithm", "ed448", "-out", path("ed448.pem")]);
    openssl(["genrsa", "-traditional", "-out", path("rsa-traditional.pem"), "2048"]);
    const cases: Array<[string, RegExp]> = [
      ["p384.pem", /EC key on secp384r1; fieldnode signs with P-256 \(prime256v1\) or Ed25519: openssl ecparam -name prime256v1/],
      ["encrypted.pem", /is encrypted; decrypt it first \(openssl pkey/],
      ["ed448.pem", /an ED448 key; fieldnode signs with ECDSA P-256 or Ed25519/],
      ["rsa-traditional.pem", /is an RSA key; fieldnode signs with ECDSA P-256 or Ed25519/],
    ];
    for (const [file, message] of cases) {
      const run = await cli("sign", "--key", path(file), "--version", "1.0.0", path("app.bin"), "--out", path("never.img"));
      expect(run.code, file).toBe(EXIT.usage);
      expect(run.stderr, file).toMatch(message);
    }
    expect(scratch.files()).not.toContain("never.img");
  });
});
