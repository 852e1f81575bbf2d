/**
 * "No allocation per sample in steady state", checked on V8, the stricter of
 * the two engines (XS never allocates for a number; V8 boxes doubles that
 * cross calls it does not inline). The whole sampling path runs: scheduler,
 * the three drivers, calibration, filters, quality. The buses and the timer
 * are minimal fakes that allocate nothing themselves, so what the heap gains
 * is what the firmware allocated. "Not ready" and the update listeners are
 * checked the same way in allocation-not-ready.test.ts and
 * allocation-listeners.test.ts (one loop per process: support/heap.ts).
 */
import { describe, expect, it } from "vitest";
import { FAST_SETTINGS, STEADY_LIMIT, steadiestGrowth, total } from "./support/heap";
import { fakeSamplingLoop } from "./support/fakes";

describe("sampling path allocation", () => {
  it("allocates nothing per sample once running: three sensors at 100 Hz, filters on every channel", () => {
    const { timers, loop } = fakeSamplingLoop(FAST_SETTINGS);
    loop.start();
    timers.run(200_000); // warm up: open the sensors, let V8 optimise
    const samplesBefore = total(loop, "samples");
    const growth = steadiestGrowth(() => timers.run(200_000));
    expect(total(loop, "samples") - samplesBefore).toBeGreaterThan(570_000);
    expect(loop.channels.every((c) => c.quality === 0)).toBe(true);
    expect(growth).toBeLessThan(STEADY_LIMIT);
  });
});
