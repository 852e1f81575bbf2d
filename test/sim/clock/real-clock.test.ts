import { describe, expect, it } from "vitest";
import { RealClock } from "../../../sim/clock/real-clock";

function drained(clock: RealClock): Promise<void> {
  return new Promise((done) => {
    const poll = () => (clock.pending === 0 ? done() : setTimeout(poll, 5));
    poll();
  });
}

describe("RealClock", () => {
  it("runs events in time order, ties in scheduling order, never before their time", async () => {
    const clock = new RealClock();
    const runs: { at: number; seq: number; ranAt: number }[] = [];
    let x = 12345;
    const random = () => ((x = (x * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff);
    const base = clock.now();
    for (let seq = 0; seq < 300; seq++) {
      // Fractional times a fraction of a millisecond apart, as UART characters are.
      const at = base + Math.round(random() * 40) * 0.573;
      clock.schedule(at, () => runs.push({ at, seq, ranAt: clock.now() }));
    }
    await drained(clock);
    expect(runs).toHaveLength(300);
    const sorted = [...runs].sort((a, b) => a.at - b.at || a.seq - b.seq);
    expect(runs.map((r) => r.seq)).toEqual(sorted.map((r) => r.seq));
    for (const run of runs) expect(run.ranAt).toBeGreaterThanOrEqual(run.at);
  });

  it("runs an event scheduled in the past by a running event before later ones", async () => {
    const clock = new RealClock();
    const order: string[] = [];
    const t = clock.now() + 3;
    clock.schedule(t, () => {
      order.push("first");
      clock.schedule(t - 1, () => order.push("late arrival"));
    });
    clock.schedule(t + 0.5, () => order.push("second"));
    await drained(clock);
    expect(order).toEqual(["first", "late arrival", "second"]);
  });

  it("does not run a cancelled event", async () => {
    const clock = new RealClock();
    const order: string[] = [];
    const event = clock.schedule(clock.now() + 1, () => order.push("cancelled"));
    clock.schedule(clock.now() + 2, () => order.push("kept"));
    clock.cancel(event);
    await drained(clock);
    expect(order).toEqual(["kept"]);
  });
});
