/**
 * Real keys for Node-side tests: generated with node:crypto, signing exactly
 * as `fieldnode sign` does (host/keys).
 */
import { generateKeyPairSync } from "node:crypto";
import type { SignatureAlgorithm } from "../../../firmware/crypto/crypto-port";
import { parsePrivateKeyPem, signMessage, type SigningKey } from "../../../host/keys/key-files";
import type { TestSigner } from "./image-builder";

export interface NodeSigner extends TestSigner {
  readonly key: SigningKey;
  readonly pem: string;
}

export function nodeSigner(algorithm: SignatureAlgorithm): NodeSigner {
  const pair = algorithm === "ed25519" ? generateKeyPairSync("ed25519") : generateKeyPairSync("ec", { namedCurve: "prime256v1" });
  const pem = pair.privateKey.export({ format: "pem", type: "pkcs8" }).toString();
  const key = parsePrivateKeyPem(pem, "test key");
  return {
    algorithm: key.algorithm,
    publicKey: key.publicKey,
    key,
    pem,
    sign: (message) => signMessage(key, message),
  };
}
