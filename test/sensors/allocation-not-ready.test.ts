/**
 * "Not ready" allocates nothing: a conversion still running when its slot
 * reads it is answered with undefined, not with an error object, and the
 * refused transfer (which the I2C class throws, here an error made once) is
 * handled without allocating. See allocation.test.ts.
 */
import { describe, expect, it } from "vitest";
import { FAST_SETTINGS, STEADY_LIMIT, steadiestGrowth, total } from "./support/heap";
import { fakeSamplingLoop } from "./support/fakes";

describe("sampling path allocation, not ready", () => {
  it("allocates nothing for 'not ready': every second conversion still running when its slot reads it", () => {
    const { timers, loop } = fakeSamplingLoop(FAST_SETTINGS, { slowConversion: 15 });
    loop.start();
    timers.run(200_000);
    const notReadyBefore = total(loop, "notReady");
    const samplesBefore = total(loop, "samples");
    const growth = steadiestGrowth(() => timers.run(200_000));
    // 600 000 timer runs are 2715 s of the loop (100 Hz), SHT3x (100 Hz), BMP280 (20 Hz) and supervisor (1 Hz):
    // the two chips wait one slot for every second conversion, so 1 slot in 3 is "not ready".
    expect(total(loop, "notReady") - notReadyBefore).toBeGreaterThan(100_000);
    expect(total(loop, "samples") - samplesBefore).toBeGreaterThan(480_000);
    expect(loop.sensors.every((s) => s.fault === undefined)).toBe(true);
    expect(growth).toBeLessThan(STEADY_LIMIT);
  });
});
