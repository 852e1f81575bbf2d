import { describe, expect, it } from "vitest";
import { OTA_ERROR_CODE_LIST, OTA_ERROR_CODES, type OtaErrorCode } from "../../firmware/ota/errors";
import { FIELD, MAX_HEADER_LENGTH } from "../../firmware/ota/image-format";
import { formatSemver } from "../../firmware/ota/semver";
import { TrustStore } from "../../firmware/ota/trust-store";
import { ImageVerifier } from "../../firmware/ota/verifier";
import { PORTS } from "../crypto/ports";
import { feed } from "./support/feed";
import { otaFixture, type OtaFixture } from "./support/fixture";
import { noise, Prng } from "./support/prng";

const HEADER_STAGE: readonly OtaErrorCode[] = [
  "BAD_MAGIC", "UNSUPPORTED_VERSION", "MALFORMED_HEADER", "UNSUPPORTED_ALGORITHM", "UNKNOWN_KEY", "KEY_REVOKED",
  "BAD_SIGNATURE", "UNSUPPORTED_FIELD", "WRONG_TARGET", "DOWNGRADE", "COUNTER_TOO_LOW", "TOO_LARGE", "LENGTH_MISMATCH",
];

const payload = noise(3000, 42);

describe.each(PORTS)("streaming image verifier over the $name crypto port", ({ create }) => {
  const fx: OtaFixture = otaFixture(create());

  function outcomeCode(image: Uint8Array, options: { policy?: Parameters<OtaFixture["verifier"]>[0]; trust?: TrustStore; expected?: number; chunk?: number } = {}) {
    const { verifier, rec } = fx.verifier(options.policy, options.trust);
    const { outcome } = feed(verifier, image, options.chunk ?? 512, options.expected);
    return { code: outcome.ok ? "ok" : outcome.code, outcome, rec: rec.record };
  }

  const image = fx.image(fx.p256, { payload });
  const edImage = fx.image(fx.ed25519, { payload });

  it.each([1, 2, 3, 7, 12, 13, 100, 167, 168, 169, 4096, 65536])("accepts a valid image fed in %i-byte chunks", (size) => {
    for (const img of [image, edImage]) {
      const { code, outcome, rec } = outcomeCode(img, { chunk: size });
      expect(code).toBe("ok");
      expect(outcome.ok && formatSemver(outcome.header.version)).toBe("1.4.0");
      expect(rec.payloadBytes).toBe(payload.length);
      expect(rec.beforeHeader).toBe(false);
      expect(rec.outOfOrder).toBe(false);
    }
  });

  it("accepts a valid image fed in random chunk sizes, many times over, with one reused verifier", () => {
    const { verifier, rec } = fx.verifier();
    const prng = new Prng(7);
    for (let i = 0; i < 200; i++) {
      rec.record.payloadBytes = 0;
      rec.record.header = undefined;
      expect(feed(verifier, i % 2 ? image : edImage, prng).outcome.ok).toBe(true);
      expect(rec.record.payloadBytes).toBe(payload.length);
    }
  });

  it("passes payload bytes on only after onHeader, in order, as views of the caller's chunks", () => {
    const seen: Array<[string, number]> = [];
    const verifier = new ImageVerifier({
      crypto: fx.crypto,
      trust: fx.trust,
      policy: fx.policy,
      onHeader: (h) => seen.push(["header", h.payloadLength]),
      onPayload: (bytes, offset) => seen.push(["payload", offset + bytes.length]),
    });
    const headerLength = image.length - payload.length;
    // One chunk holding the header and the first payload bytes, then the rest.
    verifier.write(image.subarray(0, headerLength + 10));
    verifier.write(image.subarray(headerLength + 10));
    expect(verifier.finish().ok).toBe(true);
    expect(seen).toEqual([["header", 3000], ["payload", 10], ["payload", 3000]]);
  });

  it("reports phases as the image streams", () => {
    const { verifier } = fx.verifier();
    expect(verifier.phase).toBe("header");
    verifier.write(image.subarray(0, 50));
    expect(verifier.phase).toBe("header");
    expect(verifier.header).toBeUndefined();
    verifier.write(image.subarray(50, 1000));
    expect(verifier.phase).toBe("payload");
    expect(verifier.payloadReceived).toBe(1000 - (image.length - payload.length));
    verifier.write(image.subarray(1000));
    expect(verifier.finish().ok).toBe(true);
    expect(verifier.phase).toBe("verified");
    expect(() => verifier.write(image)).toThrow(/after finish/);
    expect(verifier.finish().ok).toBe(true);
  });

  it("accepts an empty payload", () => {
    expect(outcomeCode(fx.image(fx.p256, { payload: new Uint8Array(0) })).code).toBe("ok");
  });

  it("skips unknown non-critical extensions (a field added by a later format revision)", () => {
    const img = fx.image(fx.p256, { payload, extraExtensions: [{ type: 0x0042, critical: false, value: Uint8Array.of(1, 2, 3) }] });
    expect(outcomeCode(img).code).toBe("ok");
  });

  describe("refuses, each cause with its own code", () => {
    const flip = (img: Uint8Array, at: number): Uint8Array => {
      const copy = img.slice();
      copy[at]! ^= 0x01;
      return copy;
    };
    const headerLength = image.length - payload.length;
    const cases: Array<[OtaErrorCode, () => ReturnType<typeof outcomeCode>]> = [
      ["BAD_MAGIC", () => outcomeCode(flip(image, 0))],
      ["UNSUPPORTED_VERSION", () => outcomeCode(flip(image, FIELD.formatVersion))],
      ["MALFORMED_HEADER", () => outcomeCode(flip(image, FIELD.headerLength))],
      ["UNSUPPORTED_ALGORITHM", () => outcomeCode(image.map((b, i) => (i === FIELD.algorithm ? 9 : b)))],
      ["UNKNOWN_KEY", () => outcomeCode(fx.image(fx.stranger, { payload }))],
      ["KEY_REVOKED", () => outcomeCode(fx.image(fx.revoked, { payload }))],
      ["BAD_SIGNATURE", () => outcomeCode(flip(image, FIELD.securityCounter))],
      ["UNSUPPORTED_FIELD", () => outcomeCode(fx.image(fx.p256, { payload, extraExtensions: [{ type: 0x8042, critical: true, value: new Uint8Array(0) }] }))],
      ["WRONG_TARGET", () => outcomeCode(fx.image(fx.p256, { payload, target: "esp32s3" }))],
      ["DOWNGRADE", () => outcomeCode(fx.image(fx.p256, { payload, version: "1.2.9" }))],
      ["COUNTER_TOO_LOW", () => outcomeCode(fx.image(fx.p256, { payload, securityCounter: 4 }))],
      ["TOO_LARGE", () => outcomeCode(image, { policy: { maxPayloadLength: payload.length - 1 } })],
      ["LENGTH_MISMATCH", () => outcomeCode(image, { expected: image.length + 1 })],
      ["TRUNCATED", () => outcomeCode(image.subarray(0, image.length - 1))],
      ["TRAILING_BYTES", () => outcomeCode(new Uint8Array([...image, 0]))],
      ["CRC_MISMATCH", () => outcomeCode(flip(image, headerLength + 1234))],
      [
        "DIGEST_MISMATCH",
        () => {
          // A signed header whose CRC-32 matches the payload but whose SHA-256 does not.
          const img = fx.image(fx.p256, { payload, editHeader: (h) => (h[FIELD.payloadSha256]! ^= 1) });
          return outcomeCode(img);
        },
      ],
    ];

    it("has a test here for every error code there is", () => {
      expect(cases.map(([code]) => code).sort()).toEqual([...OTA_ERROR_CODE_LIST].sort());
      expect(new Set(Object.values(OTA_ERROR_CODES)).size).toBe(OTA_ERROR_CODE_LIST.length);
    });

    it.each(cases)("%s", (code, run) => {
      const result = run();
      expect(result.code).toBe(code);
      expect(result.outcome.ok ? "" : result.outcome.message).not.toBe("");
      if (HEADER_STAGE.includes(code)) {
        // Refused before a single payload byte went anywhere: nothing would have been erased.
        expect(result.rec.header).toBeUndefined();
        expect(result.rec.payloadBytes).toBe(0);
      }
    });
  });

  describe("policy", () => {
    it("accepts generic chip images and images for this board, not other boards", () => {
      expect(outcomeCode(fx.image(fx.p256, { payload, target: "esp32" })).code).toBe("ok");
      expect(outcomeCode(fx.image(fx.p256, { payload, target: "esp32/fieldnode-v1" })).code).toBe("ok");
      expect(outcomeCode(fx.image(fx.p256, { payload, target: "esp32/other-board" })).code).toBe("WRONG_TARGET");
      expect(outcomeCode(fx.image(fx.p256, { payload, target: "esp32/fieldnode-v1" }), { policy: { target: "esp32" } }).code).toBe("WRONG_TARGET");
      expect(outcomeCode(fx.image(fx.p256, { payload, target: "esp32s3" }), { policy: { target: null } }).code).toBe("ok");
    });

    it("treats an equal version as a reinstall and a pre-release of the running version as older", () => {
      expect(outcomeCode(fx.image(fx.p256, { payload, version: "1.3.0" })).code).toBe("ok");
      expect(outcomeCode(fx.image(fx.p256, { payload, version: "1.3.0+rebuild" })).code).toBe("ok");
      expect(outcomeCode(fx.image(fx.p256, { payload, version: "1.3.0-rc.9" })).code).toBe("DOWNGRADE");
      expect(outcomeCode(fx.image(fx.p256, { payload, version: "1.3.1-rc.1" })).code).toBe("ok");
    });

    it("lets a technician allow a downgrade, but never below the security counter floor", () => {
      const older = fx.image(fx.p256, { payload, version: "1.0.0" });
      expect(outcomeCode(older, { policy: { allowDowngrade: true } }).code).toBe("ok");
      const olderAndBelow = fx.image(fx.p256, { payload, version: "1.0.0", securityCounter: 4 });
      expect(outcomeCode(olderAndBelow, { policy: { allowDowngrade: true } }).code).toBe("COUNTER_TOO_LOW");
      expect(outcomeCode(olderAndBelow).code).toBe("COUNTER_TOO_LOW");
    });

    it("checks the policy only after the signature: a forged field reads as BAD_SIGNATURE, not as its policy code", () => {
      const forged = image.slice();
      forged[FIELD.securityCounter] = 0;
      expect(outcomeCode(forged).code).toBe("BAD_SIGNATURE");
      const forgedTarget = image.slice();
      forgedTarget[FIELD.target] = 0x78;
      expect(outcomeCode(forgedTarget).code).toBe("BAD_SIGNATURE");
    });

    it("accepts images from every trusted key (rotation) and matches the algorithm to the key", () => {
      const onlyEd = new TrustStore(fx.crypto, [{ algorithm: "ed25519", publicKey: fx.ed25519.publicKey }]);
      expect(outcomeCode(edImage, { trust: onlyEd }).code).toBe("ok");
      expect(outcomeCode(image, { trust: onlyEd }).code).toBe("UNKNOWN_KEY");
      // An ECDSA header naming the Ed25519 key's id.
      const swapped = fx.image(fx.p256, { payload, keyId: fx.ed25519.keyId });
      expect(outcomeCode(swapped).code).toBe("UNKNOWN_KEY");
    });
  });

  it("refuses garbage at the fourth byte and never buffers more than the prefix of an unauthenticated stream", () => {
    const { verifier } = fx.verifier();
    expect(verifier.write(Uint8Array.of(0x47, 0x45, 0x54, 0x20))).toBe(false);
    expect(verifier.failure?.code).toBe("BAD_MAGIC");
    // A header claiming 60 KiB is refused from its first 12 bytes.
    const huge = image.slice(0, 12);
    huge[FIELD.headerLength] = 0xf0;
    huge[FIELD.headerLength + 1] = 0xf0;
    verifier.begin();
    expect(verifier.write(huge)).toBe(false);
    expect(verifier.failure?.message).toContain(`${MAX_HEADER_LENGTH}-byte maximum`);
  });

  it("stays failed: later writes are refused and finish reports the first cause", () => {
    const { verifier } = fx.verifier();
    const bad = image.slice();
    bad[0] = 0;
    expect(verifier.write(bad)).toBe(false);
    expect(verifier.write(image)).toBe(false);
    const outcome = verifier.finish();
    expect(!outcome.ok && outcome.code).toBe("BAD_MAGIC");
  });
});
