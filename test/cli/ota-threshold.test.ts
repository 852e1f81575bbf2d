import { describe, expect, it } from "vitest";
import { allowedFailures, describeThreshold, parseFailureThreshold, thresholdExceeded } from "../../host/ota/failure-threshold";

describe("--max-failures", () => {
  it("reads a count and a share", () => {
    expect(parseFailureThreshold("2")).toEqual({ kind: "count", count: 2 });
    expect(parseFailureThreshold("10%")).toEqual({ kind: "percent", percent: 10 });
  });

  it("refuses anything else", () => {
    expect(parseFailureThreshold("two")).toBe('--max-failures takes a count (2) or a share of the devices (10%), got "two"');
  });

  it("tolerates a share of the run, rounded down", () => {
    expect(allowedFailures({ kind: "percent", percent: 10 }, 25)).toBe(2);
    expect(allowedFailures({ kind: "percent", percent: 10 }, 20)).toBe(2);
    expect(allowedFailures({ kind: "percent", percent: 10 }, 9)).toBe(0);
  });

  it("halts only when failures exceed the allowance", () => {
    const threshold = { kind: "count", count: 2 } as const;
    expect(thresholdExceeded(2, threshold, 100)).toBe(false);
    expect(thresholdExceeded(3, threshold, 100)).toBe(true);
  });

  it("halts at the first failure by default (0)", () => {
    expect(thresholdExceeded(1, { kind: "count", count: 0 }, 100)).toBe(true);
  });

  it("says what it means", () => {
    expect(describeThreshold({ kind: "count", count: 0 }, 20)).toBe("halt at the first failure");
    expect(describeThreshold({ kind: "percent", percent: 10 }, 20)).toBe("halt after more than 2 failures (10% of 20)");
  });
});
