/** Runs the fieldnode CLI in-process with captured output, and the scratch directories its tests use. */
import { mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { runCli } from "../../../host/cli/main";

export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

export async function cli(...argv: string[]): Promise<CliRun> {
  let stdout = "";
  let stderr = "";
  const code = await runCli(argv, { stdout: (t) => (stdout += t), stderr: (t) => (stderr += t) });
  return { code, stdout, stderr };
}

export function scratchDir(label: string): { dir: string; path: (name: string) => string; files: () => string[]; remove: () => void } {
  const dir = mkdtempSync(join(tmpdir(), `fieldnode-${label}-`));
  return {
    dir,
    path: (name) => join(dir, name),
    files: () => readdirSync(dir).sort(),
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}
