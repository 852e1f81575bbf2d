/**
 * openssl interop: keys openssl makes are accepted in every PEM form, key ids
 * can be recomputed with openssl, image signatures verify with
 * `openssl dgst` / `openssl pkeyutl`, and signatures openssl makes over a
 * header verify on the device's verifier. Skipped, saying so, without openssl.
 */
import { createHash } from "node:crypto";
import { readFileSync, writeFileSync } from "node:fs";
import { afterAll, describe, expect, it } from "vitest";
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

describe.skipIf(OPENSSL_VERSION === undefined)(suite, () => {
  const payload = Uint8Array.from({ length: 5000 }, (_, i) => (i * 31) & 0xff);
  writeFileSync(path("app.bin"), payload);

  /** The key forms openssl users actually have. */
  const keys: Array<[string, string[][], string]> = [
    ["ecparam -genkey (EC PARAMETERS + SEC1)", [["ecparam", "-name", "prime256v1", "-genkey", "-out", path("ecparam.pem")]], "ecparam.pem"],
    ["ecparam -genkey -noout (SEC1 only)", [["ecparam", "-name", "prime256v1", "-genkey", "-noout", "-out", path("sec1.pem")]], "sec1.pem"],
    ["genpkey EC (PKCS#8)", [["genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-out", path("pkcs8.pem")]], "pkcs8.pem"],
    ["pkcs8 -topk8 of a SEC1 key", [["pkcs8", "-topk8", "-nocrypt", "-in", path("sec1.pem"), "-out", path("topk8.pem")]], "topk8.pem"],
    ["genpkey ed25519", [["genpkey", "-algorithm", "ed25519", "-out", path("ed.pem")]], "ed.pem"],
  ];

  it.each(keys)("signs with a key from openssl %s and verifies against openssl's public key", async (_name, commands, file) => {
    for (const args of commands) openssl(args);
    const pubPem = path(`${file}.pub.pem`);
    openssl(["pkey", "-in", path(file), "-pubout", "-out", pubPem]);
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

  it("an ECDSA image signature verifies with openssl dgst -sha256 -verify", () => {
    const image = new Uint8Array(readFileSync(path("sec1.pem.img")));
    const header = decodeHeader(image);
    writeFileSync(path("signed.bin"), image.subarray(0, header.signedLength));
    writeFileSync(path("signature.der"), ecdsaP1363ToDer(header.signature));
    const result = openssl(["dgst", "-sha256", "-verify", path("sec1.pem.pub.pem"), "-signature", path("signature.der"), path("signed.bin")]);
    expect(result.stdout.toString()).toContain("Verified OK");
  });

  it("an Ed25519 image signature verifies with openssl pkeyutl -verify -rawin", () => {
    const image = new Uint8Array(readFileSync(path("ed.pem.img")));
    const header = decodeHeader(image);
    writeFileSync(path("ed-signed.bin"), image.subarray(0, header.signedLength));
    writeFileSync(path("ed-signature.bin"), header.signature);
    const result = openssl(["pkeyutl", "-verify", "-pubin", "-inkey", path("ed.pem.pub.pem"), "-rawin", "-in", path("ed-signed.bin"), "-sigfile", path("ed-signature.bin")]);
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
    const cases: Array<[string, RegExp]> = [
      ["p384.pem", /EC key on secp384r1; fieldnode signs with P-256 \(prime256v1\) or Ed25519: openssl ecparam -name prime256v1/],
      ["encrypted.pem", /is encrypted; decrypt it first \(openssl pkey/],
      ["ed448.pem", /an ED448 key; fieldnode signs with ECDSA P-256 or Ed25519/],
    ];
    for (const [file, message] of cases) {
      const run = await cli("sign", "--key", path(file), "--version", "1.0.0", path("app.bin"), "--out", path("never.img"));
      expect(run.code, file).toBe(EXIT.usage);
      expect(run.stderr, file).toMatch(message);
    }
    expect(scratch.files()).not.toContain("never.img");
  });
});
