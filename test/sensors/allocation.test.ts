/**
 * "No allocation per sample in steady state", checked on V8, the stricter of
 * the two engines (XS never allocates for a number; V8 boxes doubles that
 * cross calls it does not inline). The whole sampling path runs: scheduler,
 * the three drivers, calibration, filters, quality. The buses and the timer
 * are minimal fakes that allocate nothing themselves, so what the heap gains
 * is what the firmware allocated.
 */
import v8 from "node:v8";
import vm from "node:vm";
import { describe, expect, it } from "vitest";
import { createSamplingLoop } from "../../firmware/sensors/setup";
import { sensorsSection } from "../../firmware/sensors/settings";
import { FakeAnalog, FakeBmp280, FakeSht3x, ManualTimers } from "./support/fakes";

v8.setFlagsFromString("--expose-gc");
const gc = vm.runInNewContext("gc") as () => void;

describe("sampling path allocation", () => {
  it("allocates nothing per sample once running: three sensors at 100 Hz, filters on every channel", () => {
    const timers = new ManualTimers();
    const I2C = class {
      constructor(options: { address: number }) {
        return (options.address === 0x44 ? new FakeSht3x() : new FakeBmp280()) as never;
      }
    };
    const filters = [{ type: "median", size: 5 }, { type: "average", size: 4 }, { type: "exponential", alpha: 0.3 }];
    const channels = Object.fromEntries(["temperature", "humidity", "pressure", "baro_temperature", "loop", "loop_current"].map((n) => [n, { filters, stuckAfter: 0 }]));
    const loop = createSamplingLoop(
      {
        timer: timers,
        clock: { ticks: () => timers.now },
        log: (line) => {
          throw new Error(`unexpected log: ${line}`);
        },
        board: { I2C: { default: { io: I2C as never, data: 21, clock: 22 } }, Analog: { default: { io: FakeAnalog as never, pin: 36 } } },
        feedWatchdog: () => {},
      },
      sensorsSection.validate({ sht3x: { interval: 10 }, bmp280: { interval: 50, pressureOversampling: 1 }, loop: { interval: 10 }, channels }),
    );
    loop.start();
    timers.run(200_000); // warm up: open the sensors, let V8 optimise
    // Heap growth outside code space (code is V8 compiling, not the firmware
    // allocating) over rounds of 200 000 timer runs; the steadiest round counts,
    // since V8 may still be re-optimising during the first.
    const data = () => v8.getHeapSpaceStatistics().reduce((sum, s) => (s.space_name.startsWith("code") ? sum : sum + s.space_used_size), 0);
    const grown: number[] = [];
    const samplesBefore = loop.sensors.reduce((sum, s) => sum + s.counters.samples, 0);
    for (let round = 0; round < 3; round++) {
      gc();
      const before = data();
      timers.run(200_000);
      grown.push(data() - before);
    }
    const samples = loop.sensors.reduce((sum, s) => sum + s.counters.samples, 0) - samplesBefore;
    expect(samples).toBeGreaterThan(570_000);
    expect(loop.channels.every((c) => c.quality === 0)).toBe(true);
    // One 16-byte number per sample would be over 3 MB a round.
    expect(Math.min(...grown)).toBeLessThan(64 * 1024);
  });
});
