import { describe, expect, it } from "vitest";
import { VirtualClock } from "../../../sim/clock/virtual-clock";

describe("VirtualClock", () => {
  it("runs events in time order with now() set to each event's instant", () => {
    const clock = new VirtualClock();
    const seen: Array<[string, number]> = [];
    clock.schedule(30, () => seen.push(["c", clock.now()]));
    clock.schedule(10, () => seen.push(["a", clock.now()]));
    clock.schedule(20, () => seen.push(["b", clock.now()]));
    clock.advance(25);
    expect(seen).toEqual([["a", 10], ["b", 20]]);
    expect(clock.now()).toBe(25);
  });

  it("runs events due at the same instant in the order they were scheduled", () => {
    const clock = new VirtualClock();
    const seen: number[] = [];
    for (let i = 0; i < 5; i++) clock.schedule(7, () => seen.push(i));
    clock.advance(7);
    expect(seen).toEqual([0, 1, 2, 3, 4]);
  });

  it("runs an event scheduled by an event in the same advance when it falls due", () => {
    const clock = new VirtualClock();
    const seen: number[] = [];
    clock.schedule(5, () => clock.schedule(8, () => seen.push(clock.now())));
    clock.advance(10);
    expect(seen).toEqual([8]);
  });

  it("never runs a cancelled event", () => {
    const clock = new VirtualClock();
    let ran = false;
    const event = clock.schedule(5, () => (ran = true));
    clock.cancel(event);
    clock.advance(100);
    expect(ran).toBe(false);
    expect(clock.pending).toBe(0);
  });

  it("schedules a past instant for now, not in the past", () => {
    const clock = new VirtualClock();
    clock.advance(50);
    let at = -1;
    clock.schedule(10, () => (at = clock.now()));
    clock.advance(0);
    expect(at).toBe(50);
  });

  it("refuses to run backwards", () => {
    const clock = new VirtualClock();
    clock.advance(10);
    expect(() => clock.runUntil(5)).toThrow(/backwards/);
  });

  it("lets promise jobs run between events with advanceAsync", async () => {
    const clock = new VirtualClock();
    const seen: string[] = [];
    clock.schedule(1, () => void Promise.resolve().then(() => seen.push("job after 1")));
    clock.schedule(2, () => seen.push("event 2"));
    await clock.advanceAsync(5);
    expect(seen).toEqual(["job after 1", "event 2"]);
  });
});
