import { describe, expect, it } from "vitest";
import type { Clock, TimerService } from "../../firmware/host/timer";
import { SlotScheduler } from "../../firmware/sensors/scheduler";
import { VirtualClock } from "../../sim/clock/virtual-clock";
import { PowerDomain } from "../../sim/device/power-domain";
import { createTimerService } from "../../sim/io/timer";
import { StallingClock } from "./support/stalling-clock";

function setup() {
  const virtual = new VirtualClock();
  const clock = new StallingClock(virtual);
  const domain = new PowerDomain((error) => {
    throw error;
  });
  const timer = createTimerService(clock, domain);
  const ticks: Clock = { ticks: () => Math.floor(clock.now()) };
  const runs: Array<{ slot: number; due: number; now: number }> = [];
  const scheduler = new SlotScheduler(timer, ticks, 10, (slot, due, now) => runs.push({ slot, due, now }));
  return { virtual, clock, timer, ticks, scheduler, runs };
}

describe("drift-free slot scheduler", () => {
  it("runs slot N at origin + N·interval", () => {
    const { virtual, scheduler, runs } = setup();
    scheduler.start(0);
    virtual.runUntil(9_999);
    expect(runs).toHaveLength(1000);
    expect(runs.every((r, n) => r.slot === n && r.due === n * 10 && r.now === r.due)).toBe(true);
    expect(scheduler.overruns).toBe(0);
  });

  it("does not let a late run push the later slots (no drift)", () => {
    const { virtual, clock, scheduler, runs } = setup();
    for (let n = 0; n < 1000; n++) clock.stall(n * 10, 3); // every run starts 3 ms late
    scheduler.start(0);
    virtual.runUntil(9_999);
    expect(runs).toHaveLength(1000);
    expect(runs.every((r, n) => r.due === n * 10 && r.now === n * 10 + 3)).toBe(true);
    expect(scheduler.maxLateness).toBe(3);
  });

  it("takes the most recent due slot after a stall and counts the skipped ones as overruns", () => {
    const { virtual, clock, scheduler, runs } = setup();
    clock.stall(105, 237); // the loop is busy from 105 to 342 ms
    scheduler.start(0);
    virtual.runUntil(400);
    expect(runs.map((r) => r.slot)).toEqual([...Array.from({ length: 11 }, (_, n) => n), 34, 35, 36, 37, 38, 39, 40]);
    expect(runs[11]).toEqual({ slot: 34, due: 340, now: 342 });
    expect(scheduler.overruns).toBe(23);
    expect(scheduler.runs + scheduler.overruns).toBe(41);
  });

  it("never runs twice to catch up, where Moddable's repeating timer fires in a burst", () => {
    const { virtual, clock, timer, scheduler, runs } = setup();
    clock.stall(105, 237);
    const burst: number[] = [];
    timer.repeat(() => burst.push(clock.now()), 10);
    scheduler.start(0);
    virtual.runUntil(349);
    expect(runs.filter((r) => r.now === 342)).toHaveLength(1);
    expect(burst.filter((t) => t === 342)).toHaveLength(24);
  });

  it("skips slots on purpose with sleepUntil without counting overruns", () => {
    const { virtual, ticks, timer } = setup();
    const seen: number[] = [];
    const scheduler: SlotScheduler = new SlotScheduler(timer, ticks, 10, (slot, _due, now) => {
      seen.push(slot);
      if (slot === 2) scheduler.sleepUntil(now + 55);
    });
    scheduler.start(0);
    virtual.runUntil(100);
    expect(seen).toEqual([0, 1, 2, 8, 9, 10]);
    expect(scheduler.overruns).toBe(0);
  });

  it("stops when its handler stops it, leaving no timer armed", () => {
    const { virtual, ticks, timer } = setup();
    let count = 0;
    const scheduler: SlotScheduler = new SlotScheduler(timer, ticks, 10, () => {
      if (++count === 3) scheduler.stop();
    });
    scheduler.start(0);
    virtual.runUntil(1000);
    expect(count).toBe(3);
    expect(virtual.pending).toBe(0);
    expect(scheduler.running).toBe(false);
  });

  it("waits for the due time when its timer fires a millisecond early (a timer on another time base)", () => {
    const { virtual, timer, ticks } = setup();
    let wakes = 0;
    const early: TimerService = {
      ...timer,
      set: (callback, interval = 0) => timer.set((id) => (wakes++, callback(id)), interval > 1 ? interval - 1 : interval),
      schedule: (id, interval = 0) => timer.schedule(id, interval > 1 ? interval - 1 : interval),
    };
    const runs: Array<{ slot: number; due: number; now: number }> = [];
    const scheduler = new SlotScheduler(early, ticks, 10, (slot, due, now) => runs.push({ slot, due, now }));
    scheduler.start(0);
    virtual.runUntil(995);
    expect(runs).toHaveLength(100);
    expect(runs.every((r, n) => r.slot === n && r.now === r.due)).toBe(true);
    expect(wakes).toBeGreaterThan(150);
  });

  it("keeps its schedule when a handler throws: the exception is counted and reported, and the next slot runs", () => {
    const { virtual, ticks, timer } = setup();
    const seen: number[] = [];
    const reported: unknown[] = [];
    const failure = new Error("handler failed");
    const scheduler = new SlotScheduler(
      timer,
      ticks,
      10,
      (slot) => {
        seen.push(slot);
        if (slot === 2 || slot === 3) throw failure;
      },
      (error) => reported.push(error),
    );
    scheduler.start(0);
    virtual.runUntil(60);
    expect(seen).toEqual([0, 1, 2, 3, 4, 5, 6]);
    expect(scheduler.errors).toBe(2);
    expect(reported).toEqual([failure, failure]);
    expect(scheduler.running).toBe(true);
    expect(scheduler.overruns).toBe(0);
  });

  it("keeps its schedule when the error report itself throws, or there is none", () => {
    const { virtual, ticks, timer } = setup();
    const seen: number[] = [];
    const quiet = new SlotScheduler(timer, ticks, 10, (slot) => {
      seen.push(slot);
      throw new Error("always");
    });
    const loud = new SlotScheduler(
      timer,
      ticks,
      10,
      () => {
        throw new Error("always");
      },
      () => {
        throw new Error("report failed");
      },
    );
    quiet.start(0);
    loud.start(0);
    virtual.runUntil(40);
    expect(seen).toEqual([0, 1, 2, 3, 4]);
    expect([quiet.errors, loud.errors]).toEqual([5, 5]);
  });

  it("starts at a later origin when given one", () => {
    const { virtual, scheduler, runs } = setup();
    scheduler.start(7);
    virtual.runUntil(30);
    expect(runs.map((r) => r.now)).toEqual([7, 17, 27]);
  });

  it("refuses an interval that is not a whole number of milliseconds", () => {
    const { timer, ticks } = setup();
    expect(() => new SlotScheduler(timer, ticks, 2.5, () => {})).toThrow(RangeError);
    expect(() => new SlotScheduler(timer, ticks, 0, () => {})).toThrow(RangeError);
  });
});
