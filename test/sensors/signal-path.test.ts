import { describe, expect, it } from "vitest";
import { Channel } from "../../firmware/sensors/channel";
import { createFilter, ExponentialFilter, MedianFilter, MovingAverageFilter } from "../../firmware/sensors/filters";
import { Quality, qualityName } from "../../firmware/sensors/quality";

const feed = (filter: { push(v: number): number }, values: number[]) => values.map((v) => filter.push(v));

describe("filters", () => {
  it("median of 3: 5, 1, 9, 7 → 5, 3, 5, 7 (the mean of the middle two while only two are in)", () => {
    expect(feed(new MedianFilter(3), [5, 1, 9, 7])).toEqual([5, 3, 5, 7]);
  });

  it("median of 5 removes a single spike", () => {
    expect(feed(new MedianFilter(5), [10, 10, 10, 500, 10, 10])).toEqual([10, 10, 10, 10, 10, 10]);
  });

  it("moving average of 4: 2, 4, 6, 8, 10 → 2, 3, 4, 5, 7", () => {
    expect(feed(new MovingAverageFilter(4), [2, 4, 6, 8, 10])).toEqual([2, 3, 4, 5, 7]);
  });

  it("moving average does not accumulate rounding over a million values", () => {
    const filter = new MovingAverageFilter(8);
    let last = 0;
    for (let i = 0; i < 1_000_000; i++) last = filter.push(i % 2 === 0 ? 0.1 : 0.3);
    expect(last).toBe(0.2);
  });

  it("exponential smoothing α = 0.5: 10, 20, 20, 0 → 10, 15, 17.5, 8.75", () => {
    expect(feed(new ExponentialFilter(0.5), [10, 20, 20, 0])).toEqual([10, 15, 17.5, 8.75]);
  });

  it("starts afresh after reset", () => {
    const median = new MedianFilter(3);
    feed(median, [1, 2, 3]);
    median.reset();
    expect(median.push(40)).toBe(40);
    const ema = new ExponentialFilter(0.25);
    feed(ema, [0, 100]);
    ema.reset();
    expect(ema.push(8)).toBe(8);
  });

  it("refuses windows outside 1-64 and alpha outside (0, 1]", () => {
    expect(() => new MedianFilter(0)).toThrow(RangeError);
    expect(() => new MovingAverageFilter(65)).toThrow(RangeError);
    expect(() => new ExponentialFilter(0)).toThrow(RangeError);
    expect(() => new ExponentialFilter(1.5)).toThrow(RangeError);
    expect(() => createFilter({ type: "kalman" } as never)).toThrow("unknown filter type kalman");
  });
});

describe("channel signal path", () => {
  it("calibrates: value = gain · reading + offset", () => {
    const channel = new Channel("t", "°C", { gain: 1.02, offset: -0.5 }, 100);
    channel.accept(25, true, 100);
    expect(channel.value).toBeCloseTo(25 * 1.02 - 0.5, 12);
    expect(channel.quality).toBe(Quality.Ok);
    expect(channel.timestamp).toBe(100);
  });

  it("chains filters in order after calibration: median of 3, then exponential α = 0.5", () => {
    const channel = new Channel("t", "°C", { gain: 2, filters: [{ type: "median", size: 3 }, { type: "exponential", alpha: 0.5 }] }, 100);
    const out = [5, 1, 9, 7].map((r, i) => (channel.accept(r, true, i * 100), channel.value));
    // calibrated 10, 2, 18, 14 → median 10, 6, 10, 14 → exponential 10, 8, 9, 11.5
    expect(out).toEqual([10, 8, 9, 11.5]);
  });

  it("rejects a reading outside min/max: quality out-of-range, value held, filters untouched", () => {
    const channel = new Channel("rh", "%", { min: 0, max: 100, filters: [{ type: "average", size: 2 }] }, 100);
    channel.accept(40, true, 0);
    channel.accept(130, true, 100);
    expect(channel.quality).toBe(Quality.OutOfRange);
    expect(channel.value).toBe(40);
    expect(channel.reading).toBe(130);
    expect(channel.counters.outOfRange).toBe(1);
    channel.accept(60, true, 200);
    expect(channel.value).toBe(50); // average of 40 and 60: 130 never entered
    expect(channel.quality).toBe(Quality.Ok);
  });

  it("marks a reading the sensor flags invalid as out of range", () => {
    const channel = new Channel("loop", "mA", {}, 100);
    channel.accept(21.5, false, 0);
    expect(qualityName(channel.quality)).toBe("out-of-range");
    expect(channel.value).toBeNaN();
  });

  it("goes stale after three intervals without a value, and ok with the next", () => {
    const channel = new Channel("t", "°C", {}, 100);
    channel.start(0);
    channel.accept(20, true, 0);
    channel.missing(100);
    channel.missing(200);
    expect(channel.quality).toBe(Quality.Ok);
    channel.missing(300);
    expect(channel.quality).toBe(Quality.Stale);
    expect(channel.changedAt).toBe(300);
    channel.accept(21, true, 400);
    expect(channel.quality).toBe(Quality.Ok);
    expect(channel.counters.stale).toBe(1);
  });

  it("uses an explicit stale time when configured", () => {
    const channel = new Channel("t", "°C", { staleAfter: 1000 }, 100);
    channel.accept(20, true, 0);
    channel.missing(999);
    expect(channel.quality).toBe(Quality.Ok);
    channel.missing(1000);
    expect(channel.quality).toBe(Quality.Stale);
  });

  it("calls a sensor stuck after stuckAfter identical readings in a row", () => {
    const channel = new Channel("t", "°C", { stuckAfter: 3 }, 100);
    channel.accept(20, true, 0);
    channel.accept(20, true, 100);
    expect(channel.quality).toBe(Quality.Ok);
    channel.accept(20, true, 200);
    expect(channel.quality).toBe(Quality.Stale);
    expect(channel.timestamp).toBe(100);
    channel.accept(20.01, true, 300);
    expect(channel.quality).toBe(Quality.Ok);
  });

  it("calls readings stuck when they stay within stuckBand of the first of a run, however they jitter", () => {
    const channel = new Channel("mA", "mA", { stuckAfter: 4, stuckBand: 0.02 }, 100);
    [12, 12.015, 11.99, 12.02].forEach((r, i) => channel.accept(r, true, i * 100));
    expect(qualityName(channel.quality)).toBe("stale");
    expect(channel.value).toBe(11.99); // the fourth never entered
  });

  it("starts a new run when a reading leaves the band, so a slow drift is not stuck", () => {
    const channel = new Channel("mA", "mA", { stuckAfter: 4, stuckBand: 0.02 }, 100);
    [12, 12.015, 12.03, 12.045, 12.06, 12.075].forEach((r, i) => channel.accept(r, true, i * 100));
    expect(qualityName(channel.quality)).toBe("ok");
  });

  it("applies the band to calibrated readings (|Δraw| · |gain|)", () => {
    const channel = new Channel("x", "", { gain: -10, stuckAfter: 2, stuckBand: 0.05 }, 100);
    channel.accept(1, true, 0);
    channel.accept(1.01, true, 100); // 0.1 apart once calibrated
    expect(qualityName(channel.quality)).toBe("ok");
    channel.accept(1.014, true, 200); // 0.04 from 1.01
    expect(qualityName(channel.quality)).toBe("stale");
  });

  it("stamps a value with the time its measurement started, and dates the quality change when it arrived", () => {
    const channel = new Channel("t", "°C", {}, 1000);
    channel.accept(20, true, 3_014, 4_003);
    expect(channel.timestamp).toBe(3_014);
    expect(channel.changedAt).toBe(4_003);
  });

  it("adds the sensor's latency to the default stale time", () => {
    expect(new Channel("t", "°C", {}, 1000, 1000).staleAfter).toBe(4000);
    expect(new Channel("t", "°C", { staleAfter: 2500 }, 1000, 1000).staleAfter).toBe(2500);
  });

  it("turns an ok value stale when its quality is read after staleAfter, with no slot calling missing()", () => {
    let now = 0;
    const channel = new Channel("t", "°C", {}, 100);
    channel.start(0, { ticks: () => now });
    channel.accept(20, true, 100);
    now = 399;
    expect(qualityName(channel.quality)).toBe("ok");
    now = 400;
    expect(qualityName(channel.quality)).toBe("stale");
    expect(channel.changedAt).toBe(400);
    expect(channel.counters.stale).toBe(1);
  });

  it("dates an expiry found late at the moment the value expired", () => {
    let now = 0;
    const channel = new Channel("t", "°C", {}, 100);
    channel.start(0, { ticks: () => now });
    channel.accept(20, true, 100);
    now = 5_000;
    expect(qualityName(channel.quality)).toBe("stale");
    expect(channel.changedAt).toBe(400);
  });

  it("does not call a value that arrived already older than staleAfter ok once its quality is read", () => {
    let now = 10_000;
    const channel = new Channel("t", "°C", {}, 100);
    channel.start(0, { ticks: () => now });
    channel.accept(20, true, 1_000, now);
    expect(qualityName(channel.quality)).toBe("stale");
    expect(channel.changedAt).toBe(10_000);
    now = 10_001;
    channel.accept(21, true, 10_001);
    expect(qualityName(channel.quality)).toBe("ok");
  });

  it("holds the last value through a fault and starts the filters afresh after it", () => {
    const channel = new Channel("t", "°C", { filters: [{ type: "average", size: 4 }] }, 100);
    channel.accept(10, true, 0);
    channel.accept(20, true, 100);
    channel.fail(Quality.Disconnected, 200);
    expect(channel.value).toBe(15);
    expect(qualityName(channel.quality)).toBe("disconnected");
    channel.accept(40, true, 300);
    expect(channel.value).toBe(40);
  });

  it("counts quality transitions, not repeated states", () => {
    const channel = new Channel("t", "°C", {}, 100);
    channel.accept(1, true, 0); // stale (initial) → ok
    channel.fail(Quality.BusError, 100);
    channel.fail(Quality.BusError, 200);
    channel.fail(Quality.CrcError, 300);
    channel.accept(1, true, 400);
    expect(channel.counters.transitions).toBe(4);
  });

  it("starts stale with no value and a timestamp of −1", () => {
    const channel = new Channel("t", "°C", {}, 100);
    expect(channel.quality).toBe(Quality.Stale);
    expect(channel.value).toBeNaN();
    expect(channel.timestamp).toBe(-1);
  });

  it("refuses a zero gain, min above max, stuckAfter 1 and a negative stuckBand", () => {
    expect(() => new Channel("t", "", { gain: 0 }, 100)).toThrow("t: gain must be a non-zero number");
    expect(() => new Channel("t", "", { min: 5, max: 1 }, 100)).toThrow("t: min is above max");
    expect(() => new Channel("t", "", { stuckAfter: 1 }, 100)).toThrow("t: stuckAfter must be 0 (off) or at least 2");
    expect(() => new Channel("t", "", { stuckBand: -0.1 }, 100)).toThrow("t: stuckBand must be 0 or more");
  });
});
