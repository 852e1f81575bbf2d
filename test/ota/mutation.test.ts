/**
 * 10,000 seeded mutations of valid images, each streamed through the
 * verifier in random chunk sizes, each expected to be refused with the code
 * an independent model of the format predicts. The model below is written
 * from docs/ota-image-format.md (check order, field offsets), not from the
 * verifier's code; it sees whole images, the verifier only chunks.
 *
 * The keys are fixed and the signers deterministic (support/test-keys.ts), so
 * the whole sweep follows from SEED: a failure's "#n" replays exactly. Every
 * tenth mutation also goes through a verifier over the pure-JS port.
 */
import { createHash } from "node:crypto";
import { beforeAll, describe, expect, it } from "vitest";
import { crc32 } from "../../firmware/core/crc32";
import { toHex } from "../../firmware/crypto/hex";
import { createPureJsCrypto } from "../../firmware/crypto/pure-js";
import type { OtaErrorCode } from "../../firmware/ota/errors";
import { FIELD } from "../../firmware/ota/image-format";
import { TrustStore } from "../../firmware/ota/trust-store";
import type { ImageVerifier } from "../../firmware/ota/verifier";
import { feed, type Recorder } from "./support/feed";
import { otaFixture } from "./support/fixture";
import { buildImage, resign, type ImageParts } from "./support/image-builder";
import { noise, Prng } from "./support/prng";
import type { TestKey } from "./support/test-keys";

const SEED = 0x0f1e1d;
const TOTAL = 10_000;
/** Every PURE_JS_EVERY-th mutation is also verified over the pure-JS port: 1,000 of them, of every kind. */
const PURE_JS_EVERY = 10;

const fx = otaFixture();
/** The same device over the pure-JS port: same keys, same policy. */
const pure = otaFixture(createPureJsCrypto());
/** Small on purpose: the sweep is about the header and the boundaries, not about hashing speed. */
const payload = noise(1536, 99);

interface Base {
  readonly name: string;
  readonly signer: TestKey;
  readonly image: Uint8Array;
  readonly headerLength: number;
}

function base(name: string, signer: TestKey): Base {
  const image = fx.image(signer, { payload });
  return { name, signer, image, headerLength: image.length - payload.length };
}

const BASES = [base("p256", fx.p256), base("ed25519", fx.ed25519)];

/** The device's keys as the model sees them: id → algorithm id (1 ECDSA, 2 Ed25519). */
const TRUSTED = new Map([
  [fx.p256.keyIdHex, 1],
  [fx.ed25519.keyIdHex, 2],
]);
const REVOKED = new Set([fx.revoked.keyIdHex]);

const HEADER_STAGE = new Set<OtaErrorCode>([
  "BAD_MAGIC", "UNSUPPORTED_VERSION", "MALFORMED_HEADER", "UNSUPPORTED_ALGORITHM", "UNKNOWN_KEY", "KEY_REVOKED",
  "BAD_SIGNATURE", "UNSUPPORTED_FIELD", "WRONG_TARGET", "DOWNGRADE", "COUNTER_TOO_LOW", "TOO_LARGE", "LENGTH_MISMATCH",
]);

const u16 = (b: Uint8Array, at: number): number => b[at]! | (b[at + 1]! << 8);

/**
 * The model for an image of the base's length whose bytes differ somewhere:
 * prefix (magic, version, algorithm, lengths), then the key, then the
 * signature over everything in the header, then CRC-32, then SHA-256.
 */
function expectedForBytes(b: Base, mutated: Uint8Array): OtaErrorCode {
  const changedIn = (from: number, to: number): boolean => {
    for (let i = from; i < to; i++) if (mutated[i] !== b.image[i]) return true;
    return false;
  };
  if (changedIn(0, 4)) return "BAD_MAGIC";
  if (changedIn(4, 6)) return "UNSUPPORTED_VERSION";
  const algorithm = mutated[FIELD.algorithm]!;
  if (algorithm !== 1 && algorithm !== 2) return "UNSUPPORTED_ALGORITHM";
  const headerLength = u16(mutated, FIELD.headerLength);
  if (headerLength > 1024 || headerLength !== 104 + u16(mutated, FIELD.extensionsLength) + 64) return "MALFORMED_HEADER";
  if (headerLength > mutated.length) return "TRUNCATED";
  const keyId = toHex(mutated.subarray(FIELD.keyId, FIELD.keyId + 8));
  if (REVOKED.has(keyId)) return "KEY_REVOKED";
  if (TRUSTED.get(keyId) !== algorithm) return "UNKNOWN_KEY";
  if (headerLength !== b.headerLength || changedIn(0, headerLength)) return "BAD_SIGNATURE";
  if (crc32(mutated.subarray(headerLength)) !== crc32(payload)) return "CRC_MISMATCH";
  return "DIGEST_MISMATCH";
}

interface Mutation {
  kind: string;
  detail: string;
  image: Uint8Array;
  expected: OtaErrorCode;
  expectedLength?: number;
  /** Verify against this store instead of the device's. */
  trust?: TrustStore;
}

function flipBits(b: Base, prng: Prng, count: number): Mutation | undefined {
  const image = b.image.slice();
  const spots: number[] = [];
  for (let i = 0; i < count; i++) {
    const at = prng.int(0, image.length - 1);
    image[at]! ^= 1 << prng.int(0, 7);
    spots.push(at);
  }
  if (image.every((byte, i) => byte === b.image[i])) return undefined; // flips cancelled out
  return { kind: count === 1 ? "bit flip" : "bit flips", detail: `${b.name} at ${spots.join(",")}`, image, expected: expectedForBytes(b, image) };
}

function burst(b: Base, prng: Prng): Mutation | undefined {
  const image = b.image.slice();
  const at = prng.int(0, image.length - 1);
  const length = prng.int(1, 64);
  image.set(prng.bytes(Math.min(length, image.length - at)), at);
  if (image.every((byte, i) => byte === b.image[i])) return undefined;
  return { kind: "burst", detail: `${b.name} ${length} random bytes at ${at}`, image, expected: expectedForBytes(b, image) };
}

function truncate(b: Base, prng: Prng): Mutation {
  const length = prng.chance(0.3) ? prng.int(0, b.headerLength + 2) : prng.int(0, b.image.length - 1);
  const announce = prng.chance(0.5);
  const expected: OtaErrorCode = announce && length >= b.headerLength ? "LENGTH_MISMATCH" : "TRUNCATED";
  return { kind: "truncation", detail: `${b.name} to ${length}${announce ? " (announced)" : ""}`, image: b.image.subarray(0, length), expected, ...(announce ? { expectedLength: length } : {}) };
}

function extend(b: Base, prng: Prng): Mutation {
  const extra = prng.int(1, 300);
  const image = new Uint8Array([...b.image, ...prng.bytes(extra)]);
  const announce = prng.chance(0.5);
  return {
    kind: "extension",
    detail: `${b.name} +${extra}${announce ? " (announced)" : ""}`,
    image,
    expected: announce ? "LENGTH_MISMATCH" : "TRAILING_BYTES",
    ...(announce ? { expectedLength: image.length } : {}),
  };
}

/** A header field set to a different value, signature left alone. */
const UNSIGNED_FIELDS: ReadonlyArray<[string, number, number]> = [
  ["magic", FIELD.magic, 4],
  ["formatVersion", FIELD.formatVersion, 2],
  ["headerLength", FIELD.headerLength, 2],
  ["extensionsLength", FIELD.extensionsLength, 2],
  ["algorithm", FIELD.algorithm, 1],
  ["flags", FIELD.flags, 1],
  ["payloadLength", FIELD.payloadLength, 4],
  ["payloadCrc32", FIELD.payloadCrc32, 4],
  ["payloadSha256", FIELD.payloadSha256, 32],
  ["securityCounter", FIELD.securityCounter, 4],
  ["version", FIELD.versionMajor, 6],
  ["reserved", FIELD.reserved, 2],
  ["target", FIELD.target, 32],
  ["keyId", FIELD.keyId, 8],
];

function editUnsigned(b: Base, prng: Prng): Mutation | undefined {
  const [name, at, size] = prng.pick(UNSIGNED_FIELDS);
  const image = b.image.slice();
  if (name === "keyId" && prng.chance(0.5)) {
    // Another key's id, rather than noise.
    const other = prng.pick([fx.revoked, fx.p256, fx.ed25519, fx.stranger]);
    image.set(other.keyId, at);
  } else if (name === "algorithm" && prng.chance(0.5)) {
    image[at] = b.signer.algorithm === "ed25519" ? 1 : 2;
  } else {
    image.set(prng.bytes(size), at);
  }
  if (image.every((byte, i) => byte === b.image[i])) return undefined;
  return { kind: "field edit, unsigned", detail: `${b.name} ${name}`, image, expected: expectedForBytes(b, image) };
}

/** A header field changed and the header re-signed with the trusted key: only the semantic checks can refuse it. */
function editSigned(b: Base, prng: Prng): Mutation {
  const make = (parts: Omit<ImageParts, "payload">): Uint8Array => fx.image(b.signer, { payload, ...parts });
  const setU32 = (at: number, value: number) => (h: Uint8Array) => {
    h[at] = value & 0xff;
    h[at + 1] = (value >>> 8) & 0xff;
    h[at + 2] = (value >>> 16) & 0xff;
    h[at + 3] = (value >>> 24) & 0xff;
  };
  const choice = prng.int(0, 12);
  const m = (detail: string, image: Uint8Array, expected: OtaErrorCode): Mutation => ({ kind: "field edit, re-signed", detail: `${b.name} ${detail}`, image, expected });
  switch (choice) {
    case 0: {
      const target = prng.pick(["esp32s3", "esp32/other", "esp8266", "esp32/fieldnode-v2", "sim"]);
      return m(`target ${target}`, make({ target }), "WRONG_TARGET");
    }
    case 1: {
      const version = prng.pick([`1.2.${prng.int(0, 99)}`, `0.${prng.int(0, 99)}.${prng.int(0, 9)}`, `1.3.0-rc.${prng.int(0, 9)}`, "1.0.0"]);
      return m(`version ${version}`, make({ version }), "DOWNGRADE");
    }
    case 2: {
      const securityCounter = prng.int(0, 4);
      // Also older, sometimes: the counter is reported, it cannot be overridden.
      return m(`counter ${securityCounter}`, make({ securityCounter, ...(prng.chance(0.5) ? { version: "1.0.0" } : {}) }), "COUNTER_TOO_LOW");
    }
    case 3: {
      const length = prng.int(4097, 0xffffffff);
      return m(`payloadLength ${length}`, make({ editHeader: setU32(FIELD.payloadLength, length) }), "TOO_LARGE");
    }
    case 4: {
      const length = prng.int(payload.length + 1, 4096);
      return m(`payloadLength ${length}`, make({ editHeader: setU32(FIELD.payloadLength, length) }), "TRUNCATED");
    }
    case 5: {
      const length = prng.int(0, payload.length - 1);
      return m(`payloadLength ${length}`, make({ editHeader: setU32(FIELD.payloadLength, length) }), "TRAILING_BYTES");
    }
    case 6: {
      const crc = (crc32(payload) ^ prng.int(1, 0xffffffff)) >>> 0;
      return m(`payloadCrc32 ${crc}`, make({ editHeader: setU32(FIELD.payloadCrc32, crc) }), "CRC_MISMATCH");
    }
    case 7: {
      const at = prng.int(0, 31);
      return m(`payloadSha256 byte ${at}`, make({ editHeader: (h) => (h[FIELD.payloadSha256 + at]! ^= 1 << prng.int(0, 7)) }), "DIGEST_MISMATCH");
    }
    case 8: {
      const field = prng.pick([FIELD.flags, FIELD.reserved, FIELD.reserved + 1]);
      return m(`reserved/flags byte ${field}`, make({ editHeader: (h) => (h[field] = prng.int(1, 255)) }), "MALFORMED_HEADER");
    }
    case 9: {
      const bad = prng.pick(["ESP32", "esp32//x", "-esp32", "esp 32"]);
      return m(`invalid target "${bad}"`, make({ editHeader: (h) => h.set(Uint8Array.from(bad, (c) => c.charCodeAt(0)), FIELD.target) }), "MALFORMED_HEADER");
    }
    case 10: {
      const type = 0x8000 | prng.int(0x0100, 0x7fff);
      return m(`critical extension 0x${type.toString(16)}`, make({ extraExtensions: [{ type, critical: true, value: prng.bytes(prng.int(0, 20)) }] }), "UNSUPPORTED_FIELD");
    }
    case 11: {
      // An extension whose length runs past the extension area.
      const value = prng.bytes(prng.int(0, 20));
      const image = make({
        extraExtensions: [{ type: 0x0101, critical: false, value }],
        editHeader: (h) => {
          const at = 104 + 2;
          const length = value.length + prng.int(1, 200);
          h[at] = length & 0xff;
          h[at + 1] = length >>> 8;
        },
      });
      return m("extension overrun", image, "MALFORMED_HEADER");
    }
    default: {
      const version = prng.int(2, 0xffff);
      return m(`format version ${version}`, make({ editHeader: (h) => ((h[FIELD.formatVersion] = version & 0xff), (h[FIELD.formatVersion + 1] = version >>> 8)) }), "UNSUPPORTED_VERSION");
    }
  }
}

const strangersOnly = [fx.stranger, fx.edStranger].map((s) => ({ algorithm: s.algorithm, publicKey: s.publicKey }));
const withoutOwnKey = new TrustStore(fx.crypto, strangersOnly);
/** The pure-JS device's store for each of the node device's. */
const PURE_TRUST = new Map<TrustStore, TrustStore>([
  [fx.trust, pure.trust],
  [withoutOwnKey, new TrustStore(pure.crypto, strangersOnly)],
]);

function swapKeys(b: Base, prng: Prng): Mutation {
  const m = (detail: string, image: Uint8Array, expected: OtaErrorCode, trust?: TrustStore): Mutation => ({
    kind: "key swap",
    detail: `${b.name} ${detail}`,
    image,
    expected,
    ...(trust ? { trust } : {}),
  });
  const sameAlgorithmStranger = b.signer.algorithm === "ed25519" ? fx.edStranger : fx.stranger;
  const otherTrusted = b.signer.algorithm === "ed25519" ? fx.p256 : fx.ed25519;
  switch (prng.int(0, 6)) {
    case 0:
      return m("signed by an unknown key", fx.image(sameAlgorithmStranger, { payload }), "UNKNOWN_KEY");
    case 1:
      return m("signed by an unknown key claiming the trusted id", fx.image(sameAlgorithmStranger, { payload, keyId: b.signer.keyId }), "BAD_SIGNATURE");
    case 2:
      return m("signed by the revoked key", fx.image(fx.revoked, { payload, version: `1.${prng.int(4, 9)}.0` }), "KEY_REVOKED");
    case 3:
      return m("naming the other algorithm's trusted key", fx.image(b.signer, { payload, keyId: otherTrusted.keyId }), "UNKNOWN_KEY");
    case 4:
      return m("verified by a device that does not trust its key", b.image, "UNKNOWN_KEY", withoutOwnKey);
    case 5: {
      // The valid signature of another (newer) header pasted in.
      const other = fx.image(b.signer, { payload, version: `1.${prng.int(5, 99)}.0` });
      const image = b.image.slice();
      image.set(other.subarray(b.headerLength - 64, b.headerLength), b.headerLength - 64);
      return m("signature of another header", image, "BAD_SIGNATURE");
    }
    default: {
      // A valid header spliced onto another payload of the same length.
      const other = noise(payload.length, prng.int(1, 1 << 30));
      const image = new Uint8Array([...b.image.subarray(0, b.headerLength), ...other]);
      return m("header spliced onto another payload", image, crc32(other) !== crc32(payload) ? "CRC_MISMATCH" : "DIGEST_MISMATCH");
    }
  }
}

const PLAN: ReadonlyArray<[number, (b: Base, prng: Prng) => Mutation | undefined]> = [
  [3000, (b, prng) => flipBits(b, prng, 1)],
  [1000, (b, prng) => flipBits(b, prng, prng.int(2, 8))],
  [800, burst],
  [1200, truncate],
  [800, extend],
  [1200, editUnsigned],
  [1400, editSigned],
  [600, swapKeys],
];

interface SweepResult {
  /** SHA-256 over every mutated image and the verdict on it, in order: equal fingerprints, equal sweeps. */
  fingerprint: string;
  done: number;
  tally: Map<string, number>;
  byKind: Map<string, number>;
  wrong: string[];
  pureJs: { done: number; tally: Map<string, number>; wrong: string[] };
}

type VerifierFor = (trust: TrustStore) => { verifier: ImageVerifier; rec: Recorder };

function verifiersOf(device: typeof fx, storeFor: (trust: TrustStore) => TrustStore): VerifierFor {
  const verifiers = new Map<TrustStore, { verifier: ImageVerifier; rec: Recorder }>();
  return (trust) => {
    let entry = verifiers.get(trust);
    if (entry === undefined) {
      entry = device.verifier({}, storeFor(trust));
      verifiers.set(trust, entry);
    }
    return entry;
  };
}

/** Streams one mutation through a verifier and returns what it said, and any promise it broke. */
function check(verifierFor: VerifierFor, mutation: Mutation, prng: Prng, label: string): { got: string; problems: string[] } {
  const { verifier, rec } = verifierFor(mutation.trust ?? fx.trust);
  rec.record.header = undefined;
  rec.record.payloadBytes = 0;
  rec.record.beforeHeader = false;
  const { outcome } = feed(verifier, mutation.image, prng, mutation.expectedLength);
  const got = outcome.ok ? "accepted" : outcome.code;
  const problems: string[] = [];
  const what = `${label} ${mutation.kind}: ${mutation.detail}`;
  if (got !== mutation.expected) problems.push(`${what}: expected ${mutation.expected}, got ${got}`);
  if (HEADER_STAGE.has(mutation.expected) && (rec.record.payloadBytes > 0 || rec.record.header !== undefined)) {
    problems.push(`${what}: payload passed on before the header was refused`);
  }
  if (rec.record.beforeHeader) problems.push(`${what}: payload before header`);
  return { got, problems };
}

/**
 * The sweep, from SEED alone. One generator makes the mutations and the
 * node verifier's chunk sizes; the pure-JS verifier chunks with its own, so
 * checking every tenth mutation there does not change the other nine.
 */
function sweep(): SweepResult {
  const prng = new Prng(SEED);
  const purePrng = new Prng(SEED ^ 0x5a5a5a5a);
  const nodeVerifiers = verifiersOf(fx, (trust) => trust);
  const pureVerifiers = verifiersOf(pure, (trust) => PURE_TRUST.get(trust)!);
  const fingerprint = createHash("sha256");
  const result: SweepResult = { fingerprint: "", done: 0, tally: new Map(), byKind: new Map(), wrong: [], pureJs: { done: 0, tally: new Map(), wrong: [] } };

  // The bases themselves pass: every refusal below is the mutation's doing.
  for (const b of BASES) {
    if (!feed(nodeVerifiers(fx.trust).verifier, b.image, prng).outcome.ok) result.wrong.push(`base ${b.name} refused by the node port`);
    if (!feed(pureVerifiers(fx.trust).verifier, b.image, purePrng).outcome.ok) result.pureJs.wrong.push(`base ${b.name} refused by the pure-JS port`);
  }

  for (const [count, mutate] of PLAN) {
    for (let made = 0; made < count; ) {
      const b = prng.pick(BASES);
      const mutation = mutate(b, prng);
      if (mutation === undefined) continue;
      made++;
      result.done++;
      const node = check(nodeVerifiers, mutation, prng, `#${result.done}`);
      fingerprint.update(mutation.image).update(`${mutation.expectedLength ?? "-"} ${node.got}\n`);
      result.tally.set(node.got, (result.tally.get(node.got) ?? 0) + 1);
      result.byKind.set(mutation.kind, (result.byKind.get(mutation.kind) ?? 0) + 1);
      result.wrong.push(...node.problems);
      if (result.done % PURE_JS_EVERY === 0) {
        const js = check(pureVerifiers, mutation, purePrng, `#${result.done} (pure-JS port)`);
        result.pureJs.done++;
        result.pureJs.tally.set(js.got, (result.pureJs.tally.get(js.got) ?? 0) + 1);
        result.pureJs.wrong.push(...js.problems);
      }
    }
  }
  result.fingerprint = fingerprint.digest("hex");
  return result;
}

const EVERY_REFUSAL = [
  "BAD_MAGIC", "UNSUPPORTED_VERSION", "MALFORMED_HEADER", "UNSUPPORTED_ALGORITHM", "UNKNOWN_KEY", "KEY_REVOKED", "BAD_SIGNATURE",
  "UNSUPPORTED_FIELD", "WRONG_TARGET", "DOWNGRADE", "COUNTER_TOO_LOW", "TOO_LARGE", "LENGTH_MISMATCH", "TRUNCATED",
  "TRAILING_BYTES", "CRC_MISMATCH", "DIGEST_MISMATCH",
].sort();

const rowsOf = (counts: Map<string, number>): string =>
  [...counts.entries()]
    .sort((a, b) => b[1] - a[1])
    .map(([name, n]) => `  ${name.padEnd(22)} ${String(n).padStart(5)}`)
    .join("\n");

describe("mutation sweep", () => {
  let result: SweepResult;
  beforeAll(() => {
    result = sweep();
    console.log(
      `mutation sweep (seed 0x${SEED.toString(16)}): ${result.done} mutations, fingerprint ${result.fingerprint.slice(0, 16)}\nby error code:\n${rowsOf(result.tally)}\nby mutation:\n${rowsOf(result.byKind)}\n` +
        `pure-JS port (every ${PURE_JS_EVERY}th mutation): ${result.pureJs.done} mutations\nby error code:\n${rowsOf(result.pureJs.tally)}`,
    );
  });

  it(`refuses ${TOTAL} seeded mutations of valid images, each with the code the format model predicts`, () => {
    expect(PLAN.reduce((sum, [count]) => sum + count, 0)).toBe(TOTAL);
    expect(result.wrong.slice(0, 20)).toEqual([]);
    expect(result.done).toBe(TOTAL);
    expect(result.tally.get("accepted")).toBeUndefined();
    // Every refusal the format defines shows up in the sweep.
    expect([...result.tally.keys()].sort()).toEqual(EVERY_REFUSAL);
  });

  it(`refuses ${TOTAL / PURE_JS_EVERY} of them, of every kind, the same way over the pure-JS crypto port`, () => {
    expect(result.pureJs.wrong.slice(0, 20)).toEqual([]);
    expect(result.pureJs.done).toBe(TOTAL / PURE_JS_EVERY);
    expect(result.pureJs.tally.get("accepted")).toBeUndefined();
    expect(result.pureJs.tally.get("BAD_SIGNATURE")).toBeGreaterThan(0);
  });

  it("is determined by its seed: a second sweep makes the same mutations, byte for byte, with the same outcomes", () => {
    const again = sweep();
    expect(again.fingerprint).toBe(result.fingerprint);
    expect(again.pureJs.tally).toEqual(result.pureJs.tally);
  });

  it("re-signing an unchanged header keeps it valid, so re-signed mutations fail only for what they edit", () => {
    for (const b of BASES) {
      const header = b.image.slice(0, b.headerLength);
      resign(header, b.signer);
      const { verifier } = fx.verifier();
      expect(feed(verifier, new Uint8Array([...header, ...payload]), 333).outcome.ok).toBe(true);
      expect(buildImage(fx.crypto, b.signer, { payload, version: "1.4.0", securityCounter: 5 }).length).toBe(b.image.length);
    }
  });
});
