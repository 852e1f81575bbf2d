import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { compareSemver, formatSemver, parseSemver, type Semver } from "../../firmware/ota/semver";

const v = (text: string): Semver => {
  const parsed = parseSemver(text);
  if (typeof parsed === "string") throw new Error(parsed);
  return parsed;
};

describe("semver", () => {
  it("parses and prints versions with pre-release and build metadata", () => {
    expect(v("1.2.3")).toEqual({ major: 1, minor: 2, patch: 3, prerelease: [], build: [] });
    expect(v("2.0.0-rc.1+git.4f2a")).toEqual({ major: 2, minor: 0, patch: 0, prerelease: ["rc", "1"], build: ["git", "4f2a"] });
    for (const text of ["0.0.0", "1.2.3-alpha", "1.2.3-x-y.0.z", "1.2.3+001", "65535.65535.65535"]) expect(formatSemver(v(text))).toBe(text);
  });

  it.each([
    ["1.2", "not a semantic version"],
    ["v1.2.3", "not a semantic version"],
    ["01.2.3", "leading zero"],
    ["1.2.3-01", "leading zero"],
    ["1.2.3-", "empty identifier"],
    ["1.2.3-a..b", "empty identifier"],
    ["1.2.3+", "empty identifier"],
    ["1.2.3-a_b", "may only use"],
    ["65536.0.0", "above 65535"],
    ["1.2.3 ", "not a semantic version"],
  ])("refuses %j (%s)", (text, why) => {
    const parsed = parseSemver(text);
    expect(typeof parsed).toBe("string");
    expect(parsed).toContain(why);
  });

  it("orders versions as semver §11 does, ignoring build metadata", () => {
    const ordered = ["1.0.0-alpha", "1.0.0-alpha.1", "1.0.0-alpha.beta", "1.0.0-beta", "1.0.0-beta.2", "1.0.0-beta.11", "1.0.0-rc.1", "1.0.0", "1.0.1", "1.1.0", "2.0.0"];
    for (let i = 0; i < ordered.length; i++) {
      for (let j = 0; j < ordered.length; j++) {
        expect(Math.sign(compareSemver(v(ordered[i]!), v(ordered[j]!))), `${ordered[i]} vs ${ordered[j]}`).toBe(Math.sign(i - j));
      }
    }
    expect(compareSemver(v("1.0.0+a"), v("1.0.0+b"))).toBe(0);
    expect(compareSemver(v("1.0.0-99999999999999999999"), v("1.0.0-100000000000000000000"))).toBeLessThan(0);
  });

  it("is a total order consistent with formatting round trips", () => {
    const id = fc.oneof(fc.nat(30).map(String), fc.constantFrom("a", "b", "rc", "x-y"));
    const version = fc.record({
      major: fc.nat(3), minor: fc.nat(3), patch: fc.nat(3),
      prerelease: fc.array(id, { maxLength: 3 }), build: fc.array(id, { maxLength: 2 }),
    });
    fc.assert(
      fc.property(version, version, version, (a, b, c) => {
        expect(v(formatSemver(a))).toEqual(a);
        expect(Math.sign(compareSemver(a, b))).toBe(-Math.sign(compareSemver(b, a)));
        if (compareSemver(a, b) <= 0 && compareSemver(b, c) <= 0) expect(compareSemver(a, c)).toBeLessThanOrEqual(0);
      }),
      { numRuns: 500, seed: 0x5e5 },
    );
  });
});
