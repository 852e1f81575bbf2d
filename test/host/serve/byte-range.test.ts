import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { parseRange } from "../../../host/serve/byte-range";

describe("Range header parsing", () => {
  it("reads bytes=a-b, inclusive", () => expect(parseRange("bytes=100-199", 1000)).toEqual({ start: 100, end: 199 }));
  it("reads an open range bytes=a- to the end", () => expect(parseRange("bytes=900-", 1000)).toEqual({ start: 900, end: 999 }));
  it("reads a suffix bytes=-n as the last n bytes", () => expect(parseRange("bytes=-10", 1000)).toEqual({ start: 990, end: 999 }));
  it("clamps an end past the file", () => expect(parseRange("bytes=10-5000", 1000)).toEqual({ start: 10, end: 999 }));
  it("calls a start at or past the end unsatisfiable", () => expect(parseRange("bytes=1000-", 1000)).toBe("unsatisfiable"));
  it("serves the whole file for no Range, a malformed one, or several ranges", () => {
    expect(parseRange(undefined, 10)).toBeUndefined();
    expect(parseRange("items=1-2", 10)).toBeUndefined();
    expect(parseRange("bytes=1-2,4-5", 10)).toBeUndefined();
    expect(parseRange("bytes=5-2", 10)).toBeUndefined();
  });
  it("never returns a range outside the file", () => {
    fc.assert(
      fc.property(fc.string(), fc.integer({ min: 1, max: 1 << 20 }), (header, size) => {
        const range = parseRange(header, size);
        if (typeof range === "object") {
          expect(range.start).toBeGreaterThanOrEqual(0);
          expect(range.end).toBeLessThan(size);
          expect(range.start).toBeLessThanOrEqual(range.end);
        }
      }),
      { numRuns: 2000 },
    );
  });
});
