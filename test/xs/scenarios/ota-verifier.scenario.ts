/**
 * The streaming OTA verifier inside the engines, over the pure-JS crypto
 * port: a 2 MiB image built and signed in the engine (test signer) and fed in
 * seeded chunk sizes up to 64 KiB, then small images refused for each
 * stream-level cause. Results are codes and hex, compared across engines;
 * anything but the expected outcome throws.
 */
import { createPureJsCrypto } from "../../../firmware/crypto/pure-js";
import { toHex } from "../../../firmware/crypto/hex";
import { FIELD } from "../../../firmware/ota/image-format";
import { formatSemver } from "../../../firmware/ota/semver";
import { TrustStore } from "../../../firmware/ota/trust-store";
import { ImageVerifier, type VerifyOutcome } from "../../../firmware/ota/verifier";
import { feed, recorder } from "../../ota/support/feed";
import { buildImage, semver, type TestSigner } from "../../ota/support/image-builder";
import { signP256ForTests, TEST_P256_PUBLIC } from "../../ota/support/p256-test-signer";
import { noise, Prng } from "../../ota/support/prng";

const crypto = createPureJsCrypto();
const signer: TestSigner = { algorithm: "ecdsa-p256-sha256", publicKey: TEST_P256_PUBLIC, sign: (m) => signP256ForTests(m) };
const trust = new TrustStore(crypto, [{ algorithm: signer.algorithm, publicKey: signer.publicKey }]);
const policy = { target: "esp32/fieldnode-v1", currentVersion: semver("1.3.0"), minSecurityCounter: 2, allowDowngrade: false, maxPayloadLength: 0x1e0000 };

const code = (outcome: VerifyOutcome): string => (outcome.ok ? "ok" : outcome.code);

function expect(what: string, actual: unknown, expected: unknown): void {
  if (actual !== expected) throw new Error(`${what}: expected ${String(expected)}, got ${String(actual)}`);
}

export const scenarios = {
  twoMebibyteImageInRandomChunks() {
    const payload = noise(2 * 1024 * 1024, 0xf1e1d);
    const image = buildImage(crypto, signer, { payload, version: "1.4.2-rc.1", securityCounter: 3, target: "esp32" });
    const rec = recorder();
    // Larger than this project's 1.875 MiB slot: as on a board with 8 MiB of flash.
    const bigSlot = { ...policy, maxPayloadLength: 4 * 1024 * 1024 };
    const verifier = new ImageVerifier({ crypto, trust, policy: bigSlot, onHeader: rec.onHeader, onPayload: rec.onPayload });
    const { outcome, writes } = feed(verifier, image, new Prng(2024), image.length);
    expect("outcome", code(outcome), "ok");
    expect("payload bytes passed on", rec.record.payloadBytes, payload.length);
    expect("in order", rec.record.outOfOrder, false);
    const header = outcome.ok ? outcome.header : undefined;
    // Computed independently (Python hashlib and zlib over the same xorshift32 bytes).
    expect("payload SHA-256", header && toHex(header.payloadSha256), "18ba8d1707af5376c2e4711f4225232b96c98bd70214cf8ee3902e01c0b8c265");
    expect("payload CRC-32", header?.payloadCrc32, 0x1bcf9500);
    return {
      outcome: code(outcome),
      imageLength: image.length,
      writes,
      version: header && formatSemver(header.version),
      crc32: header && header.payloadCrc32.toString(16).padStart(8, "0"),
      sha256: header && toHex(header.payloadSha256),
      payloadBytesPassed: rec.record.payloadBytes,
    };
  },

  refusalsOnSmallImages() {
    const payload = noise(5000, 7);
    const good = buildImage(crypto, signer, { payload, version: "1.4.0", securityCounter: 2 });
    const headerLength = good.length - payload.length;
    const flipped = (at: number): Uint8Array => {
      const copy = good.slice();
      copy[at]! ^= 0x04;
      return copy;
    };
    const cases: Array<[string, Uint8Array, string, number?]> = [
      ["valid", good, "ok"],
      ["payload bit flipped", flipped(headerLength + 4321), "CRC_MISMATCH"],
      ["header bit flipped", flipped(FIELD.payloadLength), "BAD_SIGNATURE"],
      ["magic", flipped(1), "BAD_MAGIC"],
      ["truncated", good.subarray(0, good.length - 1), "TRUNCATED"],
      ["truncated in the header", good.subarray(0, 100), "TRUNCATED"],
      ["trailing byte", new Uint8Array([...good, 0]), "TRAILING_BYTES"],
      ["announced length differs", good, "LENGTH_MISMATCH", good.length - 1],
      ["other board", buildImage(crypto, signer, { payload, target: "esp32/other", securityCounter: 2, version: "1.4.0" }), "WRONG_TARGET"],
      ["older", buildImage(crypto, signer, { payload, version: "1.2.0", securityCounter: 2 }), "DOWNGRADE"],
      ["counter below floor", buildImage(crypto, signer, { payload, version: "1.4.0", securityCounter: 1 }), "COUNTER_TOO_LOW"],
    ];
    const verifier = new ImageVerifier({ crypto, trust, policy });
    const prng = new Prng(99);
    return cases.map(([name, image, expected, announced]) => {
      const got = code(feed(verifier, image, prng, announced).outcome);
      expect(name, got, expected);
      return [name, got];
    });
  },
} satisfies Record<string, () => unknown>;
