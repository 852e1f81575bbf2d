import { existsSync, mkdirSync, mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createFilesExclusive } from "../../host/keys/atomic-write";
import { generateKey, type KeyType } from "../../host/keys/key-files";

export interface DevKey {
  privatePath: string;
  publicPath: string;
  /** The public key file, as the firmware's trust lists take it. */
  publicFile: string;
  created: boolean;
}

function ensureDevKey(dir: string, name: string, type: KeyType, label: string): DevKey {
  mkdirSync(dir, { recursive: true });
  const privatePath = join(dir, `${name}.pem`);
  const publicPath = join(dir, `${name}.pub`);
  if (existsSync(privatePath) && existsSync(publicPath)) {
    return { privatePath, publicPath, publicFile: readFileSync(publicPath, "utf8"), created: false };
  }
  const key = generateKey(type, label);
  createFilesExclusive([
    { path: privatePath, data: key.privatePem, mode: 0o600 },
    { path: publicPath, data: key.publicFile, mode: 0o644 },
  ]);
  return { privatePath, publicPath, publicFile: key.publicFile, created: true };
}

/** Where a device's dev keys live: its state directory, or a temporary one for an in-memory device. */
export function devKeyDir(stateDir: string | undefined, id: string): string {
  return stateDir ?? mkdtempSync(join(tmpdir(), `fieldnode-${id}-`));
}

/**
 * The simulated device's development signing key: made once per state
 * directory and trusted by the image provisioned there, so `npm start` can be
 * updated out of the box with `fieldnode sign --key <dir>/ota-signing.pem`. A
 * real fleet trusts keys made with `fieldnode keygen` and built in with
 * `npm run build -- --trust`.
 */
export function ensureDevSigningKey(dir: string): DevKey {
  return ensureDevKey(dir, "ota-signing", "p256", "simulator development key");
}

/**
 * The development technician key (Ed25519): the provisioned image obeys
 * commands signed with it, so `fieldnode ota push --key <dir>/technician.pem`
 * works against `npm start` out of the box. Real devices are built with
 * `npm run build -- --technician KEY.pub`.
 */
export function ensureDevTechnicianKey(dir: string): DevKey {
  return ensureDevKey(dir, "technician", "ed25519", "simulator technician key");
}
