/**
 * Every Wycheproof vector in test/vectors/wycheproof/ through every crypto
 * implementation: valid accepted, invalid (and "acceptable", see
 * support/wycheproof.ts) rejected. The pure-JS port runs the same vectors
 * inside XS in test/xs/scenarios/crypto-vectors.scenario.ts.
 */
import { createPublicKey, verify } from "node:crypto";
import { afterAll, describe, expect, it, vi } from "vitest";
import type { CryptoPort } from "../../firmware/crypto/crypto-port";
import ecdsaDer from "../vectors/wycheproof/ecdsa_secp256r1_sha256_test.json";
import ecdsaP1363 from "../vectors/wycheproof/ecdsa_secp256r1_sha256_p1363_test.json";
import ed25519 from "../vectors/wycheproof/ed25519_test.json";
import { PORTS } from "./ports";
import { FakeDigest, FakeEC, FakeECPoint } from "./support/moddable-crypt-fakes";
import { loadVectors, runVectors, type VectorForm, type VectorTally } from "./support/wycheproof";

vi.mock("crypt", () => ({ Digest: FakeDigest }));
vi.mock("ec", () => ({ default: FakeEC }));
vi.mock("ecp", () => ({ default: FakeECPoint }));

const FILES: ReadonlyArray<{ form: VectorForm; json: unknown }> = [
  { form: "ecdsa-p1363", json: ecdsaP1363 },
  { form: "ecdsa-der", json: ecdsaDer },
  { form: "ed25519", json: ed25519 },
];

/**
 * The device port, its glue run over Moddable-shaped fakes (Digest on
 * node:crypto, EC.mul2 on @noble/curves). Imported by a computed path: the
 * file is type-checked against the Moddable typings by firmware/tsconfig.json,
 * not by this project's Node configuration.
 */
async function esp32Port(): Promise<CryptoPort> {
  const path = "../../firmware/platform/esp32/crypto.ts";
  const module = (await import(/* @vite-ignore */ path)) as { createEsp32Crypto(): CryptoPort };
  return module.createEsp32Crypto();
}

const IMPLEMENTATIONS: ReadonlyArray<{ name: string; create: () => CryptoPort | Promise<CryptoPort> }> = [
  ...PORTS,
  { name: "esp32 (over Moddable-shaped fakes)", create: esp32Port },
];

const tallies: VectorTally[] = [];

afterAll(() => {
  const lines = tallies.map((t) => `  ${t.port.padEnd(36)} ${t.form.padEnd(12)} ${t.passed}/${t.total} (valid ${t.valid}, invalid ${t.invalid}, acceptable ${t.acceptable})`);
  console.log(`Wycheproof:\n${lines.join("\n")}`);
});

describe.each(IMPLEMENTATIONS)("Wycheproof through the $name crypto port", ({ create }) => {
  it.each(FILES)("$form: every vector gets the expected verdict", async ({ form, json }) => {
    const vectors = loadVectors(form, json);
    const tally = runVectors(await create(), form, vectors);
    tallies.push(tally);
    expect(tally.failures).toEqual([]);
    expect(tally.passed).toBe(vectors.length);
    expect(tally.total).toBeGreaterThan(100);
  });
});

describe("Wycheproof ECDSA DER through OpenSSL's own DER parser", () => {
  it("agrees with the firmware's strict DER decoder on every vector", () => {
    // If OpenSSL and ecdsaDerToP1363 disagreed about which encodings are DER,
    // the port tests above would still pass for the wrong reason.
    const vectors = loadVectors("ecdsa-der", ecdsaDer);
    const wrong: number[] = [];
    for (const vector of vectors) {
      const key = createPublicKey({
        key: Buffer.concat([Buffer.from("3059301306072a8648ce3d020106082a8648ce3d030107034200", "hex"), vector.publicKey]),
        format: "der",
        type: "spki",
      });
      let accepted: boolean;
      try {
        accepted = verify("sha256", vector.message, { key, dsaEncoding: "der" }, vector.signature);
      } catch {
        accepted = false;
      }
      if (accepted !== (vector.result === "valid")) wrong.push(vector.tcId);
    }
    expect(wrong).toEqual([]);
  });
});
