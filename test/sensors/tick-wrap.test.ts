/**
 * Tick counts past 2^31 and 2^32 ms (24.9 and 49.7 days of uptime): on the
 * ESP32 the clock is a 64-bit-safe millisecond count, so the scheduler,
 * timestamps and stale detection must do plain arithmetic on large numbers
 * (no `| 0`, `>>> 0` or Int32 storage). The clock starts 5 s before 2^31;
 * a stall of the event loop carries it to 5 s before 2^32 without running
 * the 200 million slots between.
 */
import { describe, expect, it } from "vitest";
import { Quality, qualityName } from "../../firmware/sensors/quality";
import { sensorSource } from "../../firmware/sensors/modbus-source";
import { SlotScheduler } from "../../firmware/sensors/scheduler";
import { VirtualClock } from "../../sim/clock/virtual-clock";
import { PowerDomain } from "../../sim/device/power-domain";
import { createTimerService } from "../../sim/io/timer";
import { DEFAULT_PHYSICS } from "../../sim/sensors/board";
import { loopBench } from "./fixture";
import { StallingClock } from "./support/stalling-clock";

const T0 = 2 ** 31 - 5_000; // 2 147 478 648
const T1 = 2 ** 32 - 5_000; // 4 294 962 296, exactly 2^31 ms after T0

describe("slot scheduler across 2^31 and 2^32 ms", () => {
  it("keeps slot N at origin + N·interval on both sides of 2^31, and after a stall across 2^32", () => {
    const virtual = new VirtualClock();
    virtual.runUntil(T0);
    const clock = new StallingClock(virtual);
    const domain = new PowerDomain((error) => {
      throw error;
    });
    const timer = createTimerService(clock, domain);
    const runs: Array<{ slot: number; due: number; now: number }> = [];
    const scheduler = new SlotScheduler(timer, { ticks: () => Math.floor(clock.now()) }, 10, (slot, due, now) => runs.push({ slot, due, now }));
    clock.stall(T0 + 10_000, T1 - (T0 + 10_000));
    scheduler.start(T0);
    virtual.runUntil(T0 + 9_999);
    expect(runs).toHaveLength(1_000);
    expect(runs.every((r, n) => r.slot === n && r.due === T0 + 10 * n && r.now === r.due)).toBe(true);
    expect(runs[500]).toEqual({ slot: 500, due: 2 ** 31, now: 2 ** 31 });

    virtual.runUntil(2 ** 32 + 5_000);
    // The run at T1 takes the latest slot due: (T1 − T0) / 10 = 214 748 364.8, due 8 ms before T1.
    expect(runs[1_000]).toEqual({ slot: 214_748_364, due: T1 - 8, now: T1 });
    const after = runs.slice(1_001);
    expect(after).toHaveLength(1_000);
    expect(after.every((r, n) => r.slot === 214_748_365 + n && r.due === T0 + 10 * r.slot && r.now === r.due)).toBe(true);
    // 2^32 itself falls between slots 214 748 864 (2^32 − 8) and 214 748 865 (2^32 + 2).
    expect(after.find((r) => r.due > 2 ** 32)).toEqual({ slot: 214_748_865, due: 2 ** 32 + 2, now: 2 ** 32 + 2 });
    expect(scheduler.overruns).toBe(214_748_364 - 1_000);
    expect(scheduler.runs).toBe(2_001);
    expect(scheduler.maxLateness).toBe(8);
    expect(scheduler.nextDue).toBe(T0 + 10 * 214_749_365);
  });
});

describe("sampling loop across 2^31 and 2^32 ms", () => {
  function started() {
    const bench = loopBench({}, DEFAULT_PHYSICS);
    bench.clock.runUntil(T0);
    bench.start();
    return bench;
  }

  it("samples every sensor on its grid across 2^31, each value stamped when its measurement started", () => {
    const bench = started();
    bench.clock.runUntil(T0 + 10_000);
    expect(bench.loop.channels.map((c) => qualityName(c.quality))).toEqual(["ok", "ok", "ok", "ok", "ok", "ok"]);
    const loop = bench.loop.sensor("loop")!.scheduler!;
    expect([loop.runs, loop.overruns, loop.lastRun]).toEqual([101, 0, T0 + 10_000]);
    // The SHT3x (phase 3 ms) and BMP280 (7 ms) read at each slot the conversion started at the one before.
    expect(bench.loop.channel("temperature")!.timestamp).toBe(T0 + 8_003);
    expect(bench.loop.channel("pressure")!.timestamp).toBe(T0 + 8_007);
    expect(bench.loop.channel("loop")!.timestamp).toBe(T0 + 10_000);
    expect(bench.log).toEqual([]);
  });

  it("after a stall to just before 2^32, shows the conversion started before it as stale, then fresh values on the grid", () => {
    const bench = started();
    bench.clock.runUntil(T0 + 10_000);
    bench.timerClock.stall(T0 + 10_001, T1 - (T0 + 10_001));
    bench.clock.runUntil(T1);
    // Timers armed before the stall began still ran: the SHT3x's slot at T0 + 10 003 started a conversion.
    // Its next run, at T1 for the slot due at T1 − 645, reads that conversion.
    const temperature = bench.loop.channel("temperature")!;
    expect(temperature.timestamp).toBe(T0 + 10_003);
    expect(qualityName(temperature.quality)).toBe("stale");
    expect(bench.loop.channel("loop")!.timestamp).toBe(T1);
    expect(qualityName(bench.loop.channel("loop")!.quality)).toBe("ok");

    bench.clock.runUntil(T1 + 10_000); // across 2^32 at T1 + 5000
    expect(bench.loop.channels.map((c) => qualityName(c.quality))).toEqual(["ok", "ok", "ok", "ok", "ok", "ok"]);
    expect(temperature.timestamp).toBe(T1 + 8_355); // slots at T1 − 645 + k·1000
    expect(bench.loop.channel("pressure")!.timestamp).toBe(T1 + 8_359);
    expect(bench.loop.sensor("loop")!.scheduler!.lastRun).toBe(T1 + 9_952); // slots at T1 − 48 + k·100
  });

  it("calls a value stale when it is read staleAfter after its measurement, across 2^32, with the loop frozen", () => {
    const bench = started();
    bench.clock.runUntil(T0 + 10_000);
    bench.timerClock.stall(T0 + 10_001, T1 - (T0 + 10_001));
    bench.clock.runUntil(2 ** 32 - 100);
    bench.loop.sensor("loop")!.scheduler!.stop(); // no slot will call missing() again
    const channel = bench.loop.channel("loop")!;
    expect(channel.timestamp).toBe(2 ** 32 - 148);
    const modbus = sensorSource(bench.loop, bench.ticks).points;
    bench.clock.runUntil(2 ** 32 + 151);
    expect(qualityName(channel.quality)).toBe("ok");
    expect(modbus["loop"]!.read()).toBe(channel.value);
    bench.clock.runUntil(2 ** 32 + 152); // 300 ms (three 100 ms intervals) after 2^32 − 148
    expect(modbus["loop.quality"]!.read()).toBe(Quality.Stale);
    expect(modbus["loop"]!.read()).toBeUndefined();
    expect(channel.changedAt).toBe(2 ** 32 + 152);
  });
});
