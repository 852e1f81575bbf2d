/**
 * Wycheproof signature vectors (test/vectors/wycheproof/), normalised into one
 * shape every crypto port is run against. Written with the language only: the
 * XS engine suite bundles this file too (the JSON is imported, not read).
 *
 * Policy for "acceptable" results (none in the copied 0.9rc5 files, but the
 * format allows them): a firmware signature has no reason to use a borderline
 * encoding, so they must be rejected, like "invalid".
 */
import type { CryptoPort, SignatureAlgorithm } from "../../../firmware/crypto/crypto-port";
import { ecdsaDerToP1363 } from "../../../firmware/crypto/ecdsa-der";

export type VectorForm = "ecdsa-p1363" | "ecdsa-der" | "ed25519";

export interface SignatureVector {
  readonly form: VectorForm;
  readonly tcId: number;
  readonly algorithm: SignatureAlgorithm;
  readonly publicKey: Uint8Array;
  readonly message: Uint8Array;
  /** As found in the file (DER for "ecdsa-der"). */
  readonly signature: Uint8Array;
  readonly result: "valid" | "invalid" | "acceptable";
  readonly comment: string;
  readonly flags: readonly string[];
}

interface WycheproofFile {
  testGroups: Array<{
    publicKey: { uncompressed?: string; pk?: string };
    tests: Array<{ tcId: number; comment: string; flags?: string[]; msg: string; sig: string; result: string }>;
  }>;
}

export function fromHex(hex: string): Uint8Array {
  if (hex.length % 2 !== 0) throw new Error(`odd-length hex: ${hex.length}`);
  const out = new Uint8Array(hex.length / 2);
  for (let i = 0; i < out.length; i++) {
    const byte = parseInt(hex.slice(2 * i, 2 * i + 2), 16);
    if (Number.isNaN(byte)) throw new Error(`bad hex at ${2 * i}`);
    out[i] = byte;
  }
  return out;
}

export function loadVectors(form: VectorForm, json: unknown): SignatureVector[] {
  const file = json as WycheproofFile;
  const vectors: SignatureVector[] = [];
  for (const group of file.testGroups) {
    const keyHex = form === "ed25519" ? group.publicKey.pk : group.publicKey.uncompressed;
    if (keyHex === undefined) throw new Error(`${form}: a test group has no public key`);
    const publicKey = fromHex(keyHex);
    for (const test of group.tests) {
      if (test.result !== "valid" && test.result !== "invalid" && test.result !== "acceptable") {
        throw new Error(`${form} tcId ${test.tcId}: unknown result ${test.result}`);
      }
      vectors.push({
        form,
        tcId: test.tcId,
        algorithm: form === "ed25519" ? "ed25519" : "ecdsa-p256-sha256",
        publicKey,
        message: fromHex(test.msg),
        signature: fromHex(test.sig),
        result: test.result,
        comment: test.comment,
        flags: test.flags ?? [],
      });
    }
  }
  return vectors;
}

export interface VectorTally {
  form: VectorForm;
  port: string;
  total: number;
  valid: number;
  invalid: number;
  acceptable: number;
  /** Cases whose outcome was right: valid accepted, invalid and acceptable rejected. */
  passed: number;
  /** "tcId: comment (expected result)" for every case that was not. */
  failures: string[];
}

/** Runs one vector through a port; a DER signature is first converted by the strict firmware decoder. */
export function accepts(port: CryptoPort, vector: SignatureVector): boolean {
  const signature = vector.form === "ecdsa-der" ? ecdsaDerToP1363(vector.signature) : vector.signature;
  if (signature === undefined) return false;
  return port.verify(vector.algorithm, vector.publicKey, vector.message, signature);
}

export function runVectors(port: CryptoPort, form: VectorForm, vectors: readonly SignatureVector[]): VectorTally {
  const tally: VectorTally = { form, port: port.name, total: 0, valid: 0, invalid: 0, acceptable: 0, passed: 0, failures: [] };
  for (const vector of vectors) {
    tally.total++;
    tally[vector.result]++;
    const accepted = accepts(port, vector);
    if (accepted === (vector.result === "valid")) tally.passed++;
    else tally.failures.push(`${vector.tcId}: ${vector.comment} (expected ${vector.result}, got ${accepted ? "accepted" : "rejected"})`);
  }
  return tally;
}
