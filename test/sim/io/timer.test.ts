import { describe, expect, it } from "vitest";
import type { TimerId } from "../../../firmware/host/timer";
import { VirtualClock } from "../../../sim/clock/virtual-clock";
import { PowerDomain } from "../../../sim/device/power-domain";
import { createTimerService } from "../../../sim/io/timer";

function setup() {
  const clock = new VirtualClock();
  const faults: unknown[] = [];
  const domain = new PowerDomain((error) => faults.push(error));
  return { clock, domain, faults, timer: createTimerService(clock, domain) };
}

describe("simulated Moddable timer", () => {
  it("fires a one-shot once, after its interval", () => {
    const { clock, timer } = setup();
    const at: number[] = [];
    timer.set(() => at.push(clock.now()), 100);
    clock.advance(1000);
    expect(at).toEqual([100]);
  });

  it("fires set(cb, interval, repeat) first after interval, then every repeat", () => {
    const { clock, timer } = setup();
    const at: number[] = [];
    timer.set(() => at.push(clock.now()), 50, 200);
    clock.advance(700);
    expect(at).toEqual([50, 250, 450, 650]);
  });

  it("keeps a repeating timer on its original grid (no drift)", () => {
    const { clock, timer } = setup();
    let count = 0;
    timer.repeat(() => count++, 100);
    clock.advance(3_600_000);
    expect(count).toBe(36_000);
  });

  it("passes the timer itself to the callback, so clear(id) from inside stops it", () => {
    const { clock, timer } = setup();
    let count = 0;
    timer.repeat((id: TimerId) => {
      if (++count === 3) timer.clear(id);
    }, 10);
    clock.advance(1000);
    expect(count).toBe(3);
    expect(clock.pending).toBe(0);
  });

  it("re-arms a one-shot that schedules itself from its callback", () => {
    const { clock, timer } = setup();
    const at: number[] = [];
    timer.set((id) => {
      at.push(clock.now());
      if (at.length < 3) timer.schedule(id, 30);
    }, 10);
    clock.advance(1000);
    expect(at).toEqual([10, 40, 70]);
  });

  it("truncates intervals to whole milliseconds, as the device does", () => {
    const { clock, timer } = setup();
    const at: number[] = [];
    timer.set(() => at.push(clock.now()), 10.9);
    clock.advance(20);
    expect(at).toEqual([10]);
  });

  it("rejects a negative interval", () => {
    const { timer } = setup();
    expect(() => timer.set(() => {}, -1)).toThrow(RangeError);
  });

  it("reports an exception escaping a callback as a fault instead of swallowing it", () => {
    const { clock, timer, faults } = setup();
    timer.set(() => {
      throw new Error("boom");
    }, 5);
    clock.advance(10);
    expect(faults).toHaveLength(1);
    expect((faults[0] as Error).message).toBe("boom");
  });

  it("drops every timer when the power domain ends", () => {
    const { clock, domain, timer } = setup();
    let count = 0;
    timer.repeat(() => count++, 10);
    clock.advance(35);
    domain.end();
    clock.advance(100);
    expect(count).toBe(3);
    expect(clock.pending).toBe(0);
  });
});
