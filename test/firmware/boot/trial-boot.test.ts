import { describe, expect, it } from "vitest";
import type { HealthVerdict } from "../../../firmware/boot/health-check";
import { TrialBoot, type TrialOutcome } from "../../../firmware/boot/trial-boot";
import type { ImageState } from "../../../firmware/boot/boot-control";
import { VirtualClock } from "../../../sim/clock/virtual-clock";
import { PowerDomain } from "../../../sim/device/power-domain";
import { createTimerService } from "../../../sim/io/timer";
import { fakeBoot } from "./fake-boot";

function trial(state: ImageState, checks: Array<() => HealthVerdict>) {
  const clock = new VirtualClock();
  const timer = createTimerService(clock, new PowerDomain((e) => { throw e; }));
  const { boot, calls } = fakeBoot(state);
  const log: string[] = [];
  const outcomes: TrialOutcome[] = [];
  const t = new TrialBoot({
    boot, timer, clock: { ticks: () => clock.now() }, log: (l) => log.push(l),
    checks: checks.map((check, i) => ({ name: `check${i}`, check })),
    deadlineMs: 60_000, minUptimeMs: 15_000, pollMs: 250,
    onOutcome: (o) => outcomes.push(o),
  });
  return { t, clock, calls, log, outcomes };
}

describe("trial boot", () => {
  it("does nothing for an image that is not on trial", () => {
    const { t, clock, calls } = trial("valid", [() => "fail"]);
    expect(t.start()).toBe("not-on-trial");
    clock.advance(120_000);
    expect(calls).toEqual([]);
  });

  it("marks the image valid once every check passes and it has run the minimum time", () => {
    let ready: HealthVerdict = "pending";
    const { t, clock, calls, outcomes } = trial("pending-verify", [() => "pass", () => ready]);
    t.start();
    clock.advance(5_000);
    ready = "pass";
    clock.advance(9_999);
    expect(calls).toEqual([]);
    clock.advance(1);
    expect(calls).toEqual(["markValid"]);
    expect(outcomes).toEqual([{ state: "confirmed", elapsedMs: 15_000 }]);
    expect(t.state).toBe("confirmed");
  });

  it("rejects the image as soon as a check fails, naming it", () => {
    let verdict: HealthVerdict = "pending";
    const { t, clock, calls, outcomes } = trial("pending-verify", [() => "pass", () => verdict]);
    t.start();
    clock.advance(2_000);
    verdict = "fail";
    clock.advance(250);
    expect(calls).toEqual(["markInvalidAndReboot"]);
    expect(outcomes).toEqual([{ state: "rejected", elapsedMs: 2_250, reason: 'health check "check1" failed' }]);
  });

  it("rejects the image at the deadline, naming the checks still pending", () => {
    const { t, clock, calls, log } = trial("pending-verify", [() => "pass", () => "pending", () => "pending"]);
    t.start();
    clock.advance(59_999);
    expect(calls).toEqual([]);
    clock.advance(1);
    expect(calls).toEqual(["markInvalidAndReboot"]);
    expect(log.at(-1)).toBe("trial: deadline of 60000 ms passed with checks pending: check1, check2; rolling back to the previous image");
  });

  it("remembers a passed check and does not ask it again", () => {
    let asked = 0;
    const { t, clock } = trial("pending-verify", [() => (asked++, "pass"), () => "pending"]);
    t.start();
    clock.advance(10_000);
    expect(asked).toBe(1);
  });

  it("stops polling once decided", () => {
    const { t, clock } = trial("pending-verify", [() => "pass"]);
    t.start();
    clock.advance(20_000);
    expect(t.state).toBe("confirmed");
    expect(clock.pending).toBe(0);
  });
});
