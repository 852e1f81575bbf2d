/**
 * Heap measurement for the allocation tests, and the configuration they run:
 * all three sensors at their fastest, three filters on every channel.
 *
 * Each allocation test file runs one sampling loop, as a device does. Several
 * loops in one isolate share the firmware's compiled functions, whose call
 * sites then see many targets; V8 may leave a function unoptimised, and an
 * unoptimised function boxes every double it reads. That is the test
 * harness, not the firmware, so the scenarios live in separate files (vitest
 * gives each file its own process).
 */
import v8 from "node:v8";
import vm from "node:vm";
import type { SensorHandle } from "../../../firmware/sensors/sensor";

v8.setFlagsFromString("--expose-gc");
const gc = vm.runInNewContext("gc") as () => void;

const FILTERS = [{ type: "median", size: 5 }, { type: "average", size: 4 }, { type: "exponential", alpha: 0.3 }];

export const FAST_SETTINGS = {
  sht3x: { interval: 10, repeatability: "low" },
  bmp280: { interval: 50, pressureOversampling: 1 },
  loop: { interval: 10 },
  channels: Object.fromEntries(["temperature", "humidity", "pressure", "baro_temperature", "loop", "loop_current"].map((n) => [n, { filters: FILTERS, stuckAfter: 0 }])),
};

/** One 16-byte number per sample would be over 3 MB a round of 200 000 timer runs. */
export const STEADY_LIMIT = 64 * 1024;

/**
 * Heap growth outside code space (code is V8 compiling, not the firmware
 * allocating) over rounds of `run`; the steadiest round counts, since V8 may
 * still be re-optimising during the first.
 */
export function steadiestGrowth(run: () => void, rounds = 3): number {
  const data = () => v8.getHeapSpaceStatistics().reduce((sum, s) => (s.space_name.startsWith("code") ? sum : sum + s.space_used_size), 0);
  const grown: number[] = [];
  for (let round = 0; round < rounds; round++) {
    gc();
    const before = data();
    run();
    grown.push(data() - before);
  }
  return Math.min(...grown);
}

export function total(loop: { sensors: readonly SensorHandle[] }, key: "samples" | "notReady"): number {
  return loop.sensors.reduce((sum, s) => sum + s.counters[key], 0);
}
