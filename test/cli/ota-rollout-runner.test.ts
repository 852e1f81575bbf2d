/** The rollout policy with scripted device outcomes: no broker, no devices. */
import { describe, expect, it } from "vitest";
import type { DeviceUpdateOutcome, DeviceUpdateResult } from "../../host/ota/device-update";
import { runRollout, type RolloutEvent } from "../../host/ota/rollout";
import { newRolloutState, type RolloutState, type StartDecision } from "../../host/ota/rollout-state";
import { planWaves } from "../../host/ota/wave-plan";

const fleet = (n: number) => Array.from({ length: n }, (_, i) => `d${i}`);

function outcome(device: string, result: DeviceUpdateResult): DeviceUpdateOutcome {
  return { device, nonce: "ab".repeat(16), result, from: "1.0.0", to: "2.0.0", running: result === "confirmed" ? "2.0.0" : "1.0.0", ms: 10, error: result === "confirmed" ? null : { code: "TRIAL_FAILED", number: 14, message: "sensors" }, refusal: null, lastState: null };
}

interface Harness {
  state: RolloutState;
  started: string[];
  maxInFlight: number;
  saves: number;
  events: RolloutEvent[];
}

async function rollout(devices: string[], options: { canary?: number; sizes?: number[]; concurrency?: number; maxFailures?: number; results?: Record<string, DeviceUpdateResult>; decide?: (d: string) => StartDecision; state?: RolloutState }) {
  const h: Harness = { state: options.state ?? newRolloutState({ version: "2.0.0", sha256: "cd".repeat(32) }), started: [], maxInFlight: 0, saves: 0, events: [] };
  let inFlight = 0;
  const result = await runRollout({
    waves: planWaves(devices, options.canary ?? 1, { kind: "sizes", sizes: options.sizes ?? [devices.length] }),
    concurrency: options.concurrency ?? 10,
    threshold: { kind: "count", count: options.maxFailures ?? 0 },
    version: "2.0.0",
    state: h.state,
    save: () => void h.saves++,
    decide: options.decide ?? (() => ({ kind: "start" })),
    update: async (device, _follow, sent) => {
      h.started.push(device);
      sent("ab".repeat(16));
      inFlight++;
      h.maxInFlight = Math.max(h.maxInFlight, inFlight);
      await new Promise((r) => setTimeout(r, 2));
      inFlight--;
      return outcome(device, options.results?.[device] ?? "confirmed");
    },
    onEvent: (e) => void h.events.push(e),
  });
  return { result, h };
}

describe("runRollout", () => {
  it("updates every device and succeeds", async () => {
    const { result, h } = await rollout(fleet(6), { sizes: [2] });
    expect(result).toEqual({ halted: null, failures: 0, ok: true });
    expect(h.started).toEqual(["d0", "d1", "d2", "d3", "d4", "d5"]);
    expect(Object.values(h.state.devices).map((r) => r.result)).toEqual(Array(6).fill("confirmed"));
  });

  it("never has more than --concurrency devices updating", async () => {
    const { h } = await rollout(fleet(12), { canary: 0, concurrency: 3 });
    expect(h.maxInFlight).toBe(3);
  });

  it("starts the next wave only after the canary wave ended", async () => {
    const { h } = await rollout(fleet(4), { canary: 1 });
    expect(h.events.map((e) => (e.kind === "wave" ? `wave ${e.wave.label}` : e.kind === "outcome" ? `done ${e.device}` : e.kind === "start" ? `start ${e.device}` : e.kind)).slice(0, 4)).toEqual([
      "wave canary",
      "start d0",
      "done d0",
      "wave 1",
    ]);
  });

  it("halts when a canary fails: no other device is started", async () => {
    const { result, h } = await rollout(fleet(5), { canary: 1, results: { d0: "rolled-back" } });
    expect(result.halted).toBe("canary d0 rolled-back: TRIAL_FAILED: sensors");
    expect(h.started).toEqual(["d0"]);
    expect(h.state.halted).toBe(result.halted);
    expect(result.ok).toBe(false);
  });

  it("halts once failures exceed --max-failures, letting devices in flight finish", async () => {
    const { result, h } = await rollout(fleet(10), { canary: 0, concurrency: 2, maxFailures: 1, results: { d1: "failed", d2: "rolled-back" } });
    expect(result.halted).toBe("2 devices failed, more than --max-failures allows");
    // d0+d1 ran, d2+d3 started as they finished; d2's failure halted; d3 finished; nothing after.
    expect(h.started).toEqual(["d0", "d1", "d2", "d3"]);
    expect(h.state.devices.d3!.result).toBe("confirmed");
    expect(h.state.devices.d4).toBeUndefined();
  });

  it("records each device as in flight before its command goes out, then its outcome", async () => {
    const states: string[] = [];
    const state = newRolloutState({ version: "2.0.0", sha256: "cd".repeat(32) });
    await runRollout({
      waves: [{ label: "1", devices: ["d0"] }],
      concurrency: 1,
      threshold: { kind: "count", count: 0 },
      version: "2.0.0",
      state,
      save: (s) => void states.push(s.devices.d0?.result ?? "none"),
      decide: () => ({ kind: "start" }),
      update: async (device, _f, sent) => {
        sent("ab".repeat(16));
        return outcome(device, "confirmed");
      },
    });
    expect(states).toEqual(["in-flight", "confirmed"]);
  });

  it("skips devices done earlier and records up-to-date ones without updating them", async () => {
    const decide = (d: string): StartDecision => (d === "d0" ? { kind: "done" } : d === "d1" ? { kind: "up-to-date" } : { kind: "start" });
    const { h, result } = await rollout(fleet(3), { canary: 0, decide, state: { ...newRolloutState({ version: "2.0.0", sha256: "cd".repeat(32) }), devices: { d0: { wave: "1", result: "confirmed", nonce: null, from: "1.0.0", to: "2.0.0", ms: 1, error: null, at: "" } } } });
    expect(h.started).toEqual(["d2"]);
    expect(h.state.devices.d1!.result).toBe("up-to-date");
    expect(result.ok).toBe(true);
  });

  it("follows an update from an earlier run instead of sending a new command", async () => {
    const follows: Array<string | undefined> = [];
    await runRollout({
      waves: [{ label: "resume", devices: ["d0"] }],
      concurrency: 1,
      threshold: { kind: "count", count: 0 },
      version: "2.0.0",
      state: newRolloutState({ version: "2.0.0", sha256: "cd".repeat(32) }),
      save: () => {},
      decide: () => ({ kind: "follow", nonce: "ef".repeat(16) }),
      update: async (device, follow) => {
        follows.push(follow);
        return outcome(device, "confirmed");
      },
    });
    expect(follows).toEqual(["ef".repeat(16)]);
  });
});
