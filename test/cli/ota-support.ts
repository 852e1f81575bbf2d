/** Shared by the OTA tools' tests: keys, signed images and an in-process `fieldnode` with captured output. */
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseSemver, type Semver } from "../../firmware/ota/semver";
import { parseTechnicianKey, type TechnicianKey } from "../../host/commands/technician-key";
import { signImage } from "../../host/keys/image-signing";
import { generateKey, parsePrivateKeyPem } from "../../host/keys/key-files";
import { runCli } from "../../host/cli/main";

export interface KeyFile {
  path: string;
  key: TechnicianKey;
}

export function tempDir(): string {
  return mkdtempSync(join(tmpdir(), "fieldnode-ota-test-"));
}

/** A fresh Ed25519 technician key, written as `fieldnode keygen --type ed25519` would. */
export function technicianKeyFile(dir: string, name = "technician"): KeyFile {
  const generated = generateKey("ed25519", name);
  const path = join(dir, `${name}.pem`);
  writeFileSync(path, generated.privatePem, { mode: 0o600 });
  return { path, key: parseTechnicianKey(generated.privatePem, path) };
}

/** A small signed image of `version` (the fake devices never install it; its header is what the tools read). */
export function imageFile(dir: string, version: string, payloadBytes = 4096): string {
  const signing = parsePrivateKeyPem(generateKey("p256").privatePem, "test signing key");
  const image = signImage({ payload: new Uint8Array(payloadBytes).fill(7), version: parseSemver(version) as Semver, securityCounter: 0, target: "esp32" }, signing);
  const path = join(dir, `fieldnode-${version}.bin`);
  writeFileSync(path, image);
  return path;
}

export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

export async function fieldnode(...argv: string[]): Promise<CliRun> {
  let stdout = "";
  let stderr = "";
  const code = await runCli(argv, { stdout: (t) => void (stdout += t), stderr: (t) => void (stderr += t) });
  return { code, stdout, stderr };
}

/** --json output as events. */
export function events(stdout: string): Array<Record<string, unknown>> {
  return stdout
    .split("\n")
    .filter((line) => line !== "")
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}
