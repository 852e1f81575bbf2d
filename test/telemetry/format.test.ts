import { describe, expect, it } from "vitest";
import { formatFixed } from "../../firmware/telemetry/format";

describe("telemetry number format (no toFixed: XS answers (0.5).toFixed(0) with \"0.\")", () => {
  it("rounds half away from zero to the given places", () => {
    expect(formatFixed(0.5, 0)).toBe("1");
    expect(formatFixed(-0.5, 0)).toBe("-1");
    expect(formatFixed(21.005, 1)).toBe("21.0");
    expect(formatFixed(-12.3456, 2)).toBe("-12.35");
  });

  it("pads the fraction with zeros", () => {
    expect(formatFixed(21.5, 3)).toBe("21.500");
    expect(formatFixed(3.04, 2)).toBe("3.04");
    expect(formatFixed(1013.25, 2)).toBe("1013.25");
  });

  it("writes a negative value that rounds to zero without a sign", () => {
    expect(formatFixed(-0.004, 2)).toBe("0.00");
    expect(formatFixed(-0, 1)).toBe("0.0");
  });

  it("writes null for NaN and infinities, so the JSON stays valid", () => {
    expect(formatFixed(Number.NaN, 2)).toBe("null");
    expect(formatFixed(Number.POSITIVE_INFINITY, 2)).toBe("null");
  });

  it("clamps the places to 0–6", () => {
    expect(formatFixed(1.23456789, 9)).toBe("1.234568");
    expect(formatFixed(1.5, -2)).toBe("2");
  });

  it("falls back to the shortest form for values too large to scale exactly", () => {
    expect(formatFixed(1e21, 2)).toBe("1e+21");
  });
});
