/**
 * A day of virtual time with the default configuration (the 4–20 mA loop at
 * 10 Hz, the SHT3x and BMP280 at 1 Hz) on the simulated board, with the
 * firmware's event loop blocked for 260 ms once an hour (1050 to 1310 ms past
 * the hour): the 10 Hz slots at 1100 and 1200 are missed, 1300 runs 10 ms
 * late, and every other sample is due and taken at origin + N · 100 ms.
 */
import { describe, expect, it } from "vitest";
import type { SensorHandle } from "../../firmware/sensors/sensor";
import { DEFAULT_PHYSICS } from "../../sim/sensors/board";
import { loopBench } from "./fixture";

const DAY = 24 * 3_600_000;

describe("sampling loop over 24 hours of virtual time", () => {
  it("takes every 10 Hz sample on its slot, counts the 48 slots lost to stalls, and never drifts", () => {
    const bench = loopBench({}, DEFAULT_PHYSICS);
    for (let hour = 0; hour < 24; hour++) bench.timerClock.stall(hour * 3_600_000 + 1_050, 260);
    const late: Array<{ due: number; ran: number }> = [];
    let onTime = 0;
    bench.loop.addUpdateListener((sensor: SensorHandle) => {
      if (sensor.name !== "loop") return;
      const scheduler = sensor.scheduler!;
      const due = scheduler.nextDue - 100;
      if (scheduler.lastRun === due) onTime++;
      else late.push({ due, ran: scheduler.lastRun });
    });
    bench.start();
    bench.clock.runUntil(DAY - 1);

    const loop = bench.loop.sensor("loop")!;
    const scheduler = loop.scheduler!;
    expect(scheduler.runs + scheduler.overruns).toBe(864_000);
    expect(scheduler.overruns).toBe(48);
    expect(scheduler.runs).toBe(863_952);
    expect(loop.counters.samples).toBe(863_951); // the first slot opens the input
    expect(onTime).toBe(863_928);
    expect(late).toHaveLength(24);
    expect(late.every(({ due, ran }, hour) => due === hour * 3_600_000 + 1_300 && ran === due + 10)).toBe(true);
    expect(scheduler.maxLateness).toBe(10);
    expect(scheduler.lastRun).toBe(DAY - 100); // slot 863 999: no drift after a day

    // Both chips are opened at slot 0 and set up on their own timers (SHT3x:
    // Break, reset, status, heater, first conversion by +11 ms; BMP280: reset,
    // NVM copy, first conversion by +5 ms), so every later slot has a result.
    for (const [name, samples] of [["sht3x", 86_399], ["bmp280", 86_399]] as const) {
      const sensor = bench.loop.sensor(name)!;
      expect(sensor.scheduler!.runs, name).toBe(86_400);
      expect(sensor.scheduler!.overruns, name).toBe(0);
      expect(sensor.counters.samples, name).toBe(samples);
      expect(sensor.counters.notReady, name).toBe(86_400 - 1 - samples);
      expect(sensor.fault, name).toBeUndefined();
    }
    expect(bench.feeds).toHaveLength(86_399);
    expect(bench.resets).toEqual([]);
    expect(bench.log).toEqual([]);
  });
});
