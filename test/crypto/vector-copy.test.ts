/**
 * test/vectors/wycheproof/ is a copy of the shared Wycheproof files, so the
 * suite runs on a clone that has nothing beside it (CI). Where the shared
 * directory is present (../shared/vectors/wycheproof from the project root),
 * the copy must not have drifted from it: same files, same bytes.
 */
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const PROJECT_ROOT = fileURLToPath(new URL("../../", import.meta.url));
const COPY = join(PROJECT_ROOT, "test/vectors/wycheproof");
const SHARED = resolve(PROJECT_ROOT, "../shared/vectors/wycheproof");
const present = existsSync(SHARED);

const suite = present
  ? `test/vectors/wycheproof against ${SHARED}`
  : `test/vectors/wycheproof against the shared vectors — SKIPPED: ${SHARED} does not exist here (a clone on its own, as in CI)`;

const files = (dir: string): string[] =>
  readdirSync(dir, { withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => entry.name)
    .sort();

if (!present) console.log(`vector copy check SKIPPED: ${SHARED} does not exist here (a clone on its own, as in CI); the copy in test/vectors/wycheproof is used as it is`);

describe.skipIf(!present)(suite, () => {
  it("holds exactly the shared directory's files", () => {
    expect(files(COPY)).toEqual(files(SHARED));
  });

  it("holds every file byte for byte as the shared directory has it", () => {
    const drifted = files(SHARED).filter((name) => !existsSync(join(COPY, name)) || !readFileSync(join(COPY, name)).equals(readFileSync(join(SHARED, name))));
    expect(drifted).toEqual([]);
  });
});
