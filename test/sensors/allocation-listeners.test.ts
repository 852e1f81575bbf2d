/**
 * Notifying the sampling loop's update listeners allocates nothing: a
 * listener that checks every channel as telemetry does (quality, read with
 * its age check, and change by delta) and a second one. See
 * allocation.test.ts.
 */
import { describe, expect, it } from "vitest";
import type { SensorHandle } from "../../firmware/sensors/sensor";
import { FAST_SETTINGS, STEADY_LIMIT, steadiestGrowth } from "./support/heap";
import { fakeSamplingLoop } from "./support/fakes";

describe("sampling path allocation, update listeners", () => {
  it("allocates nothing to notify two listeners, one checking every channel as telemetry does", () => {
    const { timers, loop } = fakeSamplingLoop(FAST_SETTINGS);
    const channels = loop.channels;
    // As firmware/telemetry/publisher.ts: quality against the last one seen, value against a reference by delta.
    const reference = new Float64Array(channels.length).fill(Number.NaN);
    const qualities = new Uint8Array(channels.length).fill(1);
    let changes = 0;
    let calls = 0;
    const telemetry = (sensor: SensorHandle) => {
      if (sensor.counters.samples < 0) return;
      for (let i = 0; i < channels.length; i++) {
        const c = channels[i]!;
        const quality = c.quality;
        if (quality !== qualities[i] || c.changedBy(reference, i)) changes++;
        qualities[i] = quality;
      }
    };
    loop.addUpdateListener(telemetry);
    loop.addUpdateListener(() => {
      calls++;
    });
    loop.start();
    timers.run(200_000);
    const callsBefore = calls;
    const changesBefore = changes;
    const growth = steadiestGrowth(() => timers.run(200_000));
    expect(calls - callsBefore).toBeGreaterThan(570_000);
    expect(changes - changesBefore).toBeGreaterThan(570_000); // every channel with a delta differs from a NaN reference
    expect(growth).toBeLessThan(STEADY_LIMIT);
  });
});
