/**
 * The pure-JS crypto port inside the engines (@noble/hashes, @noble/curves,
 * tweetnacl, bundled as test/xs/harness/bundle.ts does): every Wycheproof
 * vector (ECDSA P-256/SHA-256 in P1363 and DER form, Ed25519) and the
 * FIPS 180-4 SHA-256 examples; then the device port's BigInt checks over the
 * same ECDSA P1363 and Ed25519 vectors. A wrong verdict throws, so a result that is
 * equal on both engines but wrong still fails the suite. The slowest file of
 * the suite on XS: tweetnacl's float-limb arithmetic costs ~0.2 s per
 * Ed25519 verification there.
 */
import { crc32 } from "../../../firmware/core/crc32";
import type { CryptoPort } from "../../../firmware/crypto/crypto-port";
import { toHex } from "../../../firmware/crypto/hex";
import { portableVerify } from "../../../firmware/crypto/portable-verify";
import { createPureJsCrypto } from "../../../firmware/crypto/pure-js";
import { Sha256Js } from "../../../firmware/crypto/sha256";
import { nobleMulAdd } from "../../crypto/support/noble-mul-add";
import { loadVectors, runVectors, type VectorForm } from "../../crypto/support/wycheproof";
import ecdsaDer from "../../vectors/wycheproof/ecdsa_secp256r1_sha256_test.json";
import ecdsaP1363 from "../../vectors/wycheproof/ecdsa_secp256r1_sha256_p1363_test.json";
import ed25519 from "../../vectors/wycheproof/ed25519_test.json";

const port = createPureJsCrypto();

/**
 * The device port's own checks (firmware/crypto/ecdsa-p256.ts, ed25519.ts)
 * with noble standing in for Moddable's native EC multiply: the code the
 * ESP32 runs, on the engine it runs on. (The XS suite's "ec" fake has no
 * arithmetic, so createEsp32Crypto itself cannot verify here.)
 */
const deviceChecks: CryptoPort = {
  name: "esp32 checks",
  crc32: (data, seed) => crc32(data, seed),
  createSha256: () => new Sha256Js(),
  verify: portableVerify(new Sha256Js(), nobleMulAdd),
};

function wycheproof(form: VectorForm, json: unknown, through: CryptoPort = port) {
  const tally = runVectors(through, form, loadVectors(form, json));
  if (tally.failures.length > 0) throw new Error(`${form}: ${tally.failures.length} wrong verdicts, first: ${tally.failures.slice(0, 3).join("; ")}`);
  return { total: tally.total, passed: tally.passed, valid: tally.valid, invalid: tally.invalid, acceptable: tally.acceptable };
}

const ascii = (text: string): Uint8Array => {
  const bytes = new Uint8Array(text.length);
  for (let i = 0; i < text.length; i++) bytes[i] = text.charCodeAt(i);
  return bytes;
};

export const scenarios = {
  ecdsaP1363: () => wycheproof("ecdsa-p1363", ecdsaP1363),
  ecdsaDer: () => wycheproof("ecdsa-der", ecdsaDer),
  ed25519: () => wycheproof("ed25519", ed25519),
  ecdsaP1363DeviceChecks: () => wycheproof("ecdsa-p1363", ecdsaP1363, deviceChecks),
  ed25519DeviceChecks: () => wycheproof("ed25519", ed25519, deviceChecks),

  sha256Fips180Examples() {
    const cases: Array<[Uint8Array, string]> = [
      [new Uint8Array(0), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"],
      [ascii("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"],
      [ascii("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"), "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"],
    ];
    const sha = port.createSha256();
    const out = new Uint8Array(32);
    const digests = cases.map(([data]) => {
      // Byte by byte: the incremental path, not just the one-shot one.
      for (let i = 0; i < data.length; i++) sha.update(data.subarray(i, i + 1));
      sha.digestInto(out);
      return toHex(out);
    });
    cases.forEach(([, expected], i) => {
      if (digests[i] !== expected) throw new Error(`SHA-256 example ${i}: ${digests[i]} != ${expected}`);
    });
    return digests;
  },
} satisfies Record<string, () => unknown>;
