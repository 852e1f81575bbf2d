/**
 * Semantic Versioning 2.0.0: parsing, printing and precedence, which decides
 * what counts as a downgrade. The image header stores major, minor and patch
 * as 16-bit fields, so those are bounded here; pre-release and build metadata
 * travel as header extensions (see image-format.ts).
 */
export interface Semver {
  readonly major: number;
  readonly minor: number;
  readonly patch: number;
  /** Dot-separated identifiers after "-", e.g. ["rc", "1"]; empty for a release. */
  readonly prerelease: readonly string[];
  /** Dot-separated identifiers after "+"; ignored by precedence. */
  readonly build: readonly string[];
}

export const SEMVER_PART_MAX = 0xffff;

const NUMERIC = /^(0|[1-9][0-9]*)$/;
const IDENTIFIER = /^[0-9A-Za-z-]+$/;

/** The parsed version, or a sentence saying what is wrong with it. */
export function parseSemver(text: string): Semver | string {
  const match = /^([0-9]+)\.([0-9]+)\.([0-9]+)(?:-([^+]*))?(?:\+(.*))?$/.exec(text);
  if (match === null) return `"${text}" is not a semantic version (MAJOR.MINOR.PATCH, e.g. 1.4.0 or 2.0.0-rc.1)`;
  const parts: number[] = [];
  for (const [index, name] of [[1, "major"], [2, "minor"], [3, "patch"]] as const) {
    const digits = match[index]!;
    if (!NUMERIC.test(digits)) return `"${text}": ${name} "${digits}" has a leading zero`;
    const value = Number(digits);
    if (value > SEMVER_PART_MAX) return `"${text}": ${name} ${digits} is above ${SEMVER_PART_MAX}, the largest an image header holds`;
    parts.push(value);
  }
  const prerelease = match[4] === undefined ? [] : match[4].split(".");
  for (const id of prerelease) {
    const problem = identifierProblem(id, true);
    if (problem !== undefined) return `"${text}": pre-release ${problem}`;
  }
  const build = match[5] === undefined ? [] : match[5].split(".");
  for (const id of build) {
    const problem = identifierProblem(id, false);
    if (problem !== undefined) return `"${text}": build metadata ${problem}`;
  }
  return { major: parts[0]!, minor: parts[1]!, patch: parts[2]!, prerelease, build };
}

function identifierProblem(id: string, numericMustBeCanonical: boolean): string | undefined {
  if (id === "") return "has an empty identifier";
  if (!IDENTIFIER.test(id)) return `identifier "${id}" may only use [0-9A-Za-z-]`;
  if (numericMustBeCanonical && /^[0-9]+$/.test(id) && !NUMERIC.test(id)) return `identifier "${id}" has a leading zero`;
  return undefined;
}

export function formatSemver(version: Semver): string {
  let text = `${version.major}.${version.minor}.${version.patch}`;
  if (version.prerelease.length > 0) text += `-${version.prerelease.join(".")}`;
  if (version.build.length > 0) text += `+${version.build.join(".")}`;
  return text;
}

/** Negative if a precedes b, 0 if they have the same precedence, positive if a follows b (semver §11). */
export function compareSemver(a: Semver, b: Semver): number {
  if (a.major !== b.major) return a.major - b.major;
  if (a.minor !== b.minor) return a.minor - b.minor;
  if (a.patch !== b.patch) return a.patch - b.patch;
  // A release follows all of its pre-releases.
  if (a.prerelease.length === 0 || b.prerelease.length === 0) return b.prerelease.length - a.prerelease.length;
  const shared = Math.min(a.prerelease.length, b.prerelease.length);
  for (let i = 0; i < shared; i++) {
    const x = a.prerelease[i]!;
    const y = b.prerelease[i]!;
    if (x === y) continue;
    const xNumeric = /^[0-9]+$/.test(x);
    const yNumeric = /^[0-9]+$/.test(y);
    // Canonical numerals (no leading zeros): longer is larger, at any size.
    if (xNumeric && yNumeric) return x.length !== y.length ? x.length - y.length : x < y ? -1 : 1;
    if (xNumeric) return -1;
    if (yNumeric) return 1;
    return x < y ? -1 : 1;
  }
  return a.prerelease.length - b.prerelease.length;
}
