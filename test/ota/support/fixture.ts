/** A device's trust and policy for Node-side OTA tests, with real keys. */
import type { CryptoPort } from "../../../firmware/crypto/crypto-port";
import type { UpdatePolicy } from "../../../firmware/ota/policy";
import { TrustStore } from "../../../firmware/ota/trust-store";
import { ImageVerifier } from "../../../firmware/ota/verifier";
import { createNodeCrypto } from "../../../sim/crypto/node-crypto";
import { buildImage, semver, type ImageParts } from "./image-builder";
import { nodeSigner, type NodeSigner } from "./node-signers";
import { recorder, type Recorder } from "./feed";

export interface OtaFixture {
  crypto: CryptoPort;
  /** Trusted P-256 key, the usual signer. */
  p256: NodeSigner;
  /** Trusted Ed25519 key. */
  ed25519: NodeSigner;
  /** A P-256 key the device has never heard of. */
  stranger: NodeSigner;
  /** An Ed25519 key the device has never heard of. */
  edStranger: NodeSigner;
  /** Was trusted, then revoked. */
  revoked: NodeSigner;
  trust: TrustStore;
  policy: UpdatePolicy;
  image(signer: NodeSigner, parts: ImageParts): Uint8Array;
  verifier(policy?: Partial<UpdatePolicy>, trust?: TrustStore): { verifier: ImageVerifier; rec: Recorder };
}

/**
 * The device: "esp32/fieldnode-v1" running 1.3.0 with anti-rollback floor 5
 * and a 4 KiB partition (small images keep the sweeps fast).
 */
export function otaFixture(crypto: CryptoPort = createNodeCrypto()): OtaFixture {
  const p256 = nodeSigner("ecdsa-p256-sha256");
  const ed25519 = nodeSigner("ed25519");
  const revoked = nodeSigner("ecdsa-p256-sha256");
  const trust = new TrustStore(crypto, [p256, ed25519, revoked].map((s) => ({ algorithm: s.algorithm, publicKey: s.publicKey })));
  trust.revoke(revoked.key.keyId);
  const policy: UpdatePolicy = {
    target: "esp32/fieldnode-v1",
    currentVersion: semver("1.3.0"),
    minSecurityCounter: 5,
    allowDowngrade: false,
    maxPayloadLength: 4096,
  };
  return {
    crypto,
    p256,
    ed25519,
    stranger: nodeSigner("ecdsa-p256-sha256"),
    edStranger: nodeSigner("ed25519"),
    revoked,
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
