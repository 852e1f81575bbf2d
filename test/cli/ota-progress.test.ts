import { describe, expect, it } from "vitest";
import { describeState, formatBytes, formatDuration, formatProgressLine, progressBar } from "../../host/ota/progress-format";
import { RateMeter } from "../../host/ota/rate-meter";
import { formatTable } from "../../host/ota/table";
import { report } from "./ota-fake-device";

describe("progress formatting", () => {
  it("formats sizes", () => {
    expect([formatBytes(512), formatBytes(1536), formatBytes(1_572_864)]).toEqual(["512 B", "1.5 KiB", "1.50 MiB"]);
  });

  it("formats durations", () => {
    expect([formatDuration(42.4), formatDuration(185), formatDuration(3720)]).toEqual(["42s", "3m05s", "1h02m"]);
  });

  it("draws the bar", () => {
    expect(progressBar(50, 10)).toBe("#####-----");
    expect(progressBar(120, 4)).toBe("####");
  });

  it("lays out the terminal line: state, bar, percent, bytes, rate, ETA", () => {
    expect(formatProgressLine({ state: "downloading", percent: 52, bytes: 819_200, total: 1_572_864, rate: 215_040, eta: 3.5 }, 10)).toBe(
      "downloading [#####-----]  52%  800.0 KiB/1.50 MiB  210.0 KiB/s  ETA 4s",
    );
  });

  it("shows unknown rate and ETA as such", () => {
    expect(formatProgressLine({ state: "resuming", percent: 0, bytes: 0, total: null, rate: null, eta: null }, 4)).toBe("resuming    [----]   0%  0 B  -");
  });

  it("says what a rollback means", () => {
    expect(describeState(report("rolled-back", { running: "1.0.0", previous: "2.0.0" }), "2.0.0")).toBe("rolled back: the device runs 1.0.0 again");
  });
});

describe("RateMeter", () => {
  it("measures the slope over its window", () => {
    const meter = new RateMeter(5_000);
    meter.add(0, 0);
    meter.add(1_000, 100_000);
    meter.add(2_000, 200_000);
    expect(meter.rate()).toBe(100_000);
    expect(meter.eta(200_000, 500_000)).toBe(3);
  });

  it("forgets samples older than the window", () => {
    const meter = new RateMeter(2_000);
    meter.add(0, 0);
    meter.add(1_000, 500_000);
    meter.add(2_000, 520_000);
    meter.add(3_000, 540_000);
    meter.add(4_000, 560_000);
    expect(meter.rate()).toBe(20_000);
  });

  it("starts over when a download restarts from zero", () => {
    const meter = new RateMeter();
    meter.add(0, 0);
    meter.add(1_000, 300_000);
    meter.add(2_000, 0);
    expect(meter.rate()).toBeNull();
  });
});

describe("formatTable", () => {
  it("pads columns and rules the header", () => {
    expect(formatTable(["device", "state"], [["a", "confirmed"], ["node-12", "trial"]])).toBe("device   state\n-------  ---------\na        confirmed\nnode-12  trial\n");
  });
});

describe("RateMeter and bursts", () => {
  it("claims no rate from reports that arrived together", () => {
    const meter = new RateMeter();
    meter.add(1_000, 0);
    meter.add(1_004, 254_584);
    expect(meter.rate()).toBeNull();
  });
});
