/**
 * The technician's key: the Ed25519 private key whose signed commands the
 * devices obey (built into their firmware with `npm run build -- --technician
 * KEY.pub`). Commands are signed with tweetnacl, which takes the 32-byte seed
 * that the PKCS#8 PEM of `fieldnode keygen --type ed25519` holds; node:crypto
 * reads the PEM and hands the seed over as the JWK "d" member.
 */
import nacl from "tweetnacl";
import { KeyFileError, parsePrivateKeyPem } from "../keys/key-files";

export interface TechnicianKey {
  /** 16 hex digits: the first 8 bytes of SHA-256 over the raw public key, as devices name it. */
  readonly keyIdHex: string;
  /** The raw 32-byte Ed25519 public key. */
  readonly publicKey: Uint8Array;
  /** tweetnacl's 64-byte secret key (seed followed by the public key). */
  readonly secretKey: Uint8Array;
}

export const NOT_ED25519 = "technician keys are Ed25519: make one with fieldnode keygen --type ed25519";

/** Reads a technician key from PEM text; throws KeyFileError (with what to do) for anything but an Ed25519 private key. */
export function parseTechnicianKey(pem: string, source: string): TechnicianKey {
  const key = parsePrivateKeyPem(pem, source);
  if (key.algorithm !== "ed25519") throw new KeyFileError(`${source} is an ECDSA P-256 key; ${NOT_ED25519}`);
  const d = key.privateKey.export({ format: "jwk" }).d;
  if (d === undefined) throw new KeyFileError(`${source}: the private key holds no Ed25519 seed`);
  const seed = new Uint8Array(Buffer.from(d, "base64url"));
  if (seed.length !== nacl.sign.seedLength) throw new KeyFileError(`${source}: the Ed25519 seed is ${seed.length} bytes, not ${nacl.sign.seedLength}`);
  const pair = nacl.sign.keyPair.fromSeed(seed);
  // Both libraries derive the public key from the seed; if they ever disagree
  // the devices would refuse every command as bad-signature, so say so here.
  if (Buffer.compare(Buffer.from(pair.publicKey), Buffer.from(key.publicKey)) !== 0) {
    throw new KeyFileError(`${source}: tweetnacl and node:crypto derive different public keys from this seed`);
  }
  return { keyIdHex: key.keyIdHex, publicKey: pair.publicKey, secretKey: pair.secretKey };
}
