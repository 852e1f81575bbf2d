/** A device's trust and policy for Node-side OTA tests, with fixed keys. */
import type { CryptoPort } from "../../../firmware/crypto/crypto-port";
import type { UpdatePolicy } from "../../../firmware/ota/policy";
import { TrustStore } from "../../../firmware/ota/trust-store";
import { ImageVerifier } from "../../../firmware/ota/verifier";
import { createNodeCrypto } from "../../../sim/crypto/node-crypto";
import { recorder, type Recorder } from "./feed";
import { buildImage, semver, type ImageParts } from "./image-builder";
import { testKey, type TestKey } from "./test-keys";

export interface OtaFixture {
  crypto: CryptoPort;
  /** Trusted P-256 key, the usual signer. */
  p256: TestKey;
  /** Trusted Ed25519 key. */
  ed25519: TestKey;
  /** A P-256 key the device has never heard of. */
  stranger: TestKey;
  /** An Ed25519 key the device has never heard of. */
  edStranger: TestKey;
  /** Was trusted, then revoked. */
  revoked: TestKey;
  trust: TrustStore;
  policy: UpdatePolicy;
  image(signer: TestKey, parts: ImageParts): Uint8Array;
  verifier(policy?: Partial<UpdatePolicy>, trust?: TrustStore): { verifier: ImageVerifier; rec: Recorder };
}

/** The same keys for every fixture: images and signatures depend only on what a test builds. */
const KEYS = {
  p256: testKey("ecdsa-p256-sha256", "trusted"),
  ed25519: testKey("ed25519", "trusted"),
  stranger: testKey("ecdsa-p256-sha256", "stranger"),
  edStranger: testKey("ed25519", "stranger"),
  revoked: testKey("ecdsa-p256-sha256", "revoked"),
};

/**
 * The device: "esp32/fieldnode-v1" running 1.3.0 with anti-rollback floor 5
 * and a 4 KiB partition (small images keep the sweeps fast).
 */
export function otaFixture(crypto: CryptoPort = createNodeCrypto()): OtaFixture {
  const { p256, ed25519, revoked } = KEYS;
  const trust = new TrustStore(crypto, [p256, ed25519, revoked].map((s) => ({ algorithm: s.algorithm, publicKey: s.publicKey })));
  trust.revoke(revoked.keyId);
  const policy: UpdatePolicy = {
    target: "esp32/fieldnode-v1",
    currentVersion: semver("1.3.0"),
    minSecurityCounter: 5,
    allowDowngrade: false,
    maxPayloadLength: 4096,
  };
  return {
    crypto,
    ...KEYS,
    trust,
    policy,
    image: (signer, parts) => buildImage(crypto, signer, { version: "1.4.0", securityCounter: 5, ...parts }),
    verifier: (overrides = {}, store = trust) => {
      const rec = recorder();
      const verifier = new ImageVerifier({ crypto, trust: store, policy: { ...policy, ...overrides }, onHeader: rec.onHeader, onPayload: rec.onPayload });
      return { verifier, rec };
    },
  };
}
