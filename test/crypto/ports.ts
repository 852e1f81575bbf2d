/** The crypto ports every crypto test runs against, by name. */
import type { CryptoPort } from "../../firmware/crypto/crypto-port";
import { createPureJsCrypto } from "../../firmware/crypto/pure-js";
import { createNodeCrypto } from "../../sim/crypto/node-crypto";

export const PORTS: ReadonlyArray<{ name: string; create: () => CryptoPort }> = [
  { name: "node", create: createNodeCrypto },
  { name: "pure-js", create: createPureJsCrypto },
];
