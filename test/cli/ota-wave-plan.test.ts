import { describe, expect, it } from "vitest";
import { parseWaveSpec, planWaves } from "../../host/ota/wave-plan";

const fleet = (n: number) => Array.from({ length: n }, (_, i) => `d${String(i).padStart(2, "0")}`);
const sizes = (waves: ReturnType<typeof planWaves>) => waves.map((w) => `${w.label}:${w.devices.length}`);

describe("parseWaveSpec", () => {
  it("reads cumulative shares", () => {
    expect(parseWaveSpec("10%,50%,100%")).toEqual({ kind: "percent", cumulative: [10, 50, 100] });
  });
  it("reads wave sizes", () => {
    expect(parseWaveSpec("5,20")).toEqual({ kind: "sizes", sizes: [5, 20] });
  });
  it("refuses shares that do not reach 100%", () => {
    expect(parseWaveSpec("10%,50%")).toBe('--waves "10%,50%": the last wave must reach 100%');
  });
  it("refuses shares that do not grow", () => {
    expect(parseWaveSpec("50%,20%,100%")).toBe('--waves "50%,20%,100%": shares are cumulative, so each must be larger than the one before');
  });
  it("refuses a mix of shares and sizes", () => {
    expect(parseWaveSpec("10%,5")).toBe('--waves "10%,5" must be all percentages (10%,50%,100%) or all wave sizes (5,20)');
  });
});

describe("planWaves", () => {
  it("puts the canaries first, then the cumulative shares of the fleet", () => {
    const waves = planWaves(fleet(20), 1, { kind: "percent", cumulative: [10, 50, 100] });
    expect(sizes(waves)).toEqual(["canary:1", "1:1", "2:8", "3:10"]);
    expect(waves[0]!.devices).toEqual(["d00"]);
    expect(waves[3]!.devices[0]).toBe("d10");
  });

  it("leaves out a wave the canaries already cover", () => {
    expect(sizes(planWaves(fleet(20), 3, { kind: "percent", cumulative: [10, 100] }))).toEqual(["canary:3", "1:17"]);
  });

  it("repeats the last size until every device is planned", () => {
    expect(sizes(planWaves(fleet(20), 1, { kind: "sizes", sizes: [2, 5] }))).toEqual(["canary:1", "1:2", "2:5", "3:5", "4:5", "5:2"]);
  });

  it("plans no canary wave with --canary 0", () => {
    expect(sizes(planWaves(fleet(4), 0, { kind: "percent", cumulative: [100] }))).toEqual(["1:4"]);
  });

  it("rounds shares up, so a small fleet still gets a first wave", () => {
    expect(sizes(planWaves(fleet(3), 1, { kind: "percent", cumulative: [10, 50, 100] }))).toEqual(["canary:1", "1:1", "2:1"]);
  });

  it("covers every device exactly once, in order", () => {
    const devices = fleet(37);
    const planned = planWaves(devices, 2, { kind: "percent", cumulative: [5, 25, 60, 100] }).flatMap((w) => w.devices);
    expect(planned).toEqual(devices);
  });
});
