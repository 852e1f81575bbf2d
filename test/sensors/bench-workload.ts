/**
 * The sensors benchmark's CPU workload, run natively on Node and inside XS:
 * one sensor at 100 Hz through the whole firmware path (slot scheduler,
 * driver with its bus transfers, CRC or compensation, calibration, a median
 * of 5 and exponential smoothing, quality), on allocation-free fake buses and
 * a manual timer, so the time measured is the firmware's.
 */
import { fakeSamplingLoop } from "./support/fakes";

export type Which = "loop" | "sht3x" | "bmp280";

const OFF = { enabled: false };
const FILTERS = { filters: [{ type: "median", size: 5 }, { type: "exponential", alpha: 0.2 }], stuckAfter: 0 };

function settings(which: Which): unknown {
  const on = { enabled: true, interval: 10 };
  return {
    // 10 ms is below a high-repeatability conversion (15 ms): low repeatability (4 ms) runs the same path.
    sht3x: which === "sht3x" ? { ...on, repeatability: "low" } : OFF,
    bmp280: which === "bmp280" ? { ...on, pressureOversampling: 1 } : OFF,
    loop: which === "loop" ? on : OFF,
    channels: Object.fromEntries(["temperature", "humidity", "pressure", "baro_temperature", "loop", "loop_current"].map((n) => [n, FILTERS])),
  };
}

/** µs of `now()` per sample over `samples` samples, after a warm-up; and the values, to compare engines. */
export function measure(which: Which, samples: number, now: () => number): { usPerSample: number; values: number[] } {
  const { timers, loop } = fakeSamplingLoop(settings(which));
  loop.start();
  timers.run(Math.min(samples, 20_000)); // warm-up (and let V8 optimise)
  const sensor = loop.sensor(which)!;
  const before = sensor.counters.samples;
  const start = now();
  while (sensor.counters.samples - before < samples) timers.run(1_000);
  const elapsed = now() - start;
  const done = sensor.counters.samples - before;
  loop.stop();
  return { usPerSample: (elapsed * 1000) / done, values: sensor.channels.map((c) => Math.round(c.value * 1e6) / 1e6) };
}

function clock(): () => number {
  const performance = (globalThis as { performance?: { now(): number } }).performance;
  return performance !== undefined ? () => performance.now() : () => Date.now();
}

/** Samples measured per sensor, the same on both engines so their final values can be compared. */
export const SAMPLES: Readonly<Record<Which, number>> = { loop: 100_000, sht3x: 50_000, bmp280: 50_000 };

export const scenarios = {
  loop: () => measure("loop", SAMPLES.loop, clock()),
  sht3x: () => measure("sht3x", SAMPLES.sht3x, clock()),
  bmp280: () => measure("bmp280", SAMPLES.bmp280, clock()),
};
