/**
 * The verify benchmark's XS half: bundled by test/bench/verify.bench.ts and
 * run in a real XS worker. Builds a 4 MiB image in the engine, then times a
 * bare SHA-256 of its bytes (the port's own, @noble/hashes), CRC-32 alone,
 * and the streaming verifier over the same bytes, all in 64 KiB chunks, with
 * XS's own clock.
 */
import { createPureJsCrypto } from "../../../firmware/crypto/pure-js";
import { TrustStore } from "../../../firmware/ota/trust-store";
import { ImageVerifier } from "../../../firmware/ota/verifier";
import { buildImage } from "../../ota/support/image-builder";
import { noise } from "../../ota/support/prng";
import { testKey } from "../../ota/support/test-keys";

declare const performance: { now(): number };

const CHUNK = 64 * 1024;

export const scenarios = {
  verify4MiB() {
    const crypto = createPureJsCrypto();
    const signer = testKey("ecdsa-p256-sha256", "bench");
    const image = buildImage(crypto, signer, { payload: noise(4 * 1024 * 1024, 4), version: "1.0.0" });
    const trust = new TrustStore(crypto, [{ algorithm: signer.algorithm, publicKey: signer.publicKey }]);
    const policy = { target: null, currentVersion: null, minSecurityCounter: 0, allowDowngrade: false, maxPayloadLength: image.length };

    // Alternated, median of three: XS timings on a shared machine wander by a third from run to run.
    const sha = crypto.createSha256();
    const digest = new Uint8Array(32);
    const verifier = new ImageVerifier({ crypto, trust, policy });
    const bare: number[] = [];
    const crc: number[] = [];
    const verify: number[] = [];
    for (let run = 0; run < 3; run++) {
      let start = performance.now();
      sha.reset();
      for (let at = 0; at < image.length; at += CHUNK) sha.update(image.subarray(at, at + CHUNK));
      sha.digestInto(digest);
      bare.push(performance.now() - start);

      start = performance.now();
      let value = 0;
      for (let at = 0; at < image.length; at += CHUNK) value = crypto.crc32(image.subarray(at, at + CHUNK), value);
      crc.push(performance.now() - start);

      start = performance.now();
      verifier.begin();
      for (let at = 0; at < image.length; at += CHUNK) verifier.write(image.subarray(at, at + CHUNK));
      const outcome = verifier.finish();
      verify.push(performance.now() - start);
      if (!outcome.ok) throw new Error(`benchmark image refused: ${outcome.code}`);
    }
    const median = (values: number[]): number => values.sort((a, b) => a - b)[1]!;
    const bareMs = median(bare);
    const verifyMs = median(verify);
    const crcMs = median(crc);
    return { bytes: image.length, bareMs, crcMs, verifyMs };
  },
} satisfies Record<string, () => unknown>;
