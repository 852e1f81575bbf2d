import { existsSync, mkdirSync, mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createFilesExclusive } from "../../host/keys/atomic-write";
import { generateKey } from "../../host/keys/key-files";

export interface DevSigningKey {
  privatePath: string;
  publicPath: string;
  /** The public key file, as the firmware's trust list takes it. */
  publicFile: string;
  created: boolean;
}

/**
 * The simulated device's development signing key: made once per state
 * directory (a temporary one for an in-memory device) and trusted by the
 * image provisioned there, so `npm start` can be updated out of the box with
 * `fieldnode sign --key <dir>/ota-signing.pem`. A real fleet trusts keys made
 * with `fieldnode keygen` and built in with `npm run build -- --trust`.
 */
export function ensureDevSigningKey(stateDir: string | undefined, id: string): DevSigningKey {
  const dir = stateDir ?? mkdtempSync(join(tmpdir(), `fieldnode-${id}-`));
  mkdirSync(dir, { recursive: true });
  const privatePath = join(dir, "ota-signing.pem");
  const publicPath = join(dir, "ota-signing.pub");
  if (existsSync(privatePath) && existsSync(publicPath)) {
    return { privatePath, publicPath, publicFile: readFileSync(publicPath, "utf8"), created: false };
  }
  const key = generateKey("p256", "simulator development key");
  createFilesExclusive([
    { path: privatePath, data: key.privatePem, mode: 0o600 },
    { path: publicPath, data: key.publicFile, mode: 0o644 },
  ]);
  return { privatePath, publicPath, publicFile: key.publicFile, created: true };
}
