/**
 * The crypto ports every crypto and verifier test runs against, by name: the
 * simulator's (node:crypto), the pure-JS one (@noble, tweetnacl) and the
 * device's, its glue run over Moddable-shaped fakes (Digest on node:crypto,
 * EC.mul2 on @noble/curves; see support/moddable-crypt-fakes.ts).
 */
import { vi } from "vitest";
import type { CryptoPort } from "../../firmware/crypto/crypto-port";
import { createPureJsCrypto } from "../../firmware/crypto/pure-js";
import { createNodeCrypto } from "../../sim/crypto/node-crypto";
import { FakeDigest, FakeEC, FakeECPoint } from "./support/moddable-crypt-fakes";

// Registered before the device port is imported below, so its "crypt", "ec"
// and "ecp" imports resolve to the fakes in every test file that uses PORTS.
vi.doMock("crypt", () => ({ Digest: FakeDigest }));
vi.doMock("ec", () => ({ default: FakeEC }));
vi.doMock("ecp", () => ({ default: FakeECPoint }));

/**
 * Imported by a computed path: the file is type-checked against the Moddable
 * typings by firmware/tsconfig.json, not by this project's Node configuration.
 */
const esp32Path = "../../firmware/platform/esp32/crypto.ts";
const { createEsp32Crypto } = (await import(/* @vite-ignore */ esp32Path)) as { createEsp32Crypto(): CryptoPort };

export interface PortUnderTest {
  readonly name: string;
  create(): CryptoPort;
}

export const PORTS: readonly PortUnderTest[] = [
  { name: "node", create: createNodeCrypto },
  { name: "pure-js", create: createPureJsCrypto },
  { name: "esp32 over Moddable-shaped fakes", create: createEsp32Crypto },
];
