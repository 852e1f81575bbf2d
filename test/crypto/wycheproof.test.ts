/**
 * Every Wycheproof vector in test/vectors/wycheproof/ through every crypto
 * implementation: valid accepted, invalid (and "acceptable", see
 * support/wycheproof.ts) rejected. The pure-JS port runs the same vectors
 * inside XS in test/xs/scenarios/crypto-vectors.scenario.ts.
 */
import { createPublicKey, verify } from "node:crypto";
import { afterAll, describe, expect, it } from "vitest";
import ecdsaDer from "../vectors/wycheproof/ecdsa_secp256r1_sha256_test.json";
import ecdsaP1363 from "../vectors/wycheproof/ecdsa_secp256r1_sha256_p1363_test.json";
import ed25519 from "../vectors/wycheproof/ed25519_test.json";
import { PORTS } from "./ports";
import { loadVectors, runVectors, type VectorForm, type VectorTally } from "./support/wycheproof";

const FILES: ReadonlyArray<{ form: VectorForm; json: unknown }> = [
  { form: "ecdsa-p1363", json: ecdsaP1363 },
  { form: "ecdsa-der", json: ecdsaDer },
  { form: "ed25519", json: ed25519 },
];

const tallies: Array<VectorTally & { label: string }> = [];

afterAll(() => {
  const lines = tallies.map((t) => `  ${t.label.padEnd(36)} ${t.form.padEnd(12)} ${t.passed}/${t.total} (valid ${t.valid}, invalid ${t.invalid}, acceptable ${t.acceptable})`);
  console.log(`Wycheproof:\n${lines.join("\n")}`);
});

describe.each(PORTS)("Wycheproof through the $name crypto port", ({ name, create }) => {
  it.each(FILES)("$form: every vector gets the expected verdict", ({ form, json }) => {
    const vectors = loadVectors(form, json);
    const tally = runVectors(create(), form, vectors);
    tallies.push({ ...tally, label: name });
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
