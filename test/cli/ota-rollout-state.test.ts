import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { decideStart, loadRolloutState, newRolloutState, RolloutStateError, saveRolloutState, type DeviceRecord } from "../../host/ota/rollout-state";
import { report } from "./ota-fake-device";

const NONCE = "ab".repeat(16);
const record = (result: DeviceRecord["result"], nonce: string | null = NONCE): DeviceRecord => ({ wave: "1", result, nonce, from: "1.0.0", to: "2.0.0", ms: 1000, error: null, at: "2025-01-01T00:00:00.000Z" });

describe("decideStart", () => {
  it("skips a device done in an earlier run", () => {
    expect(decideStart(record("confirmed"), report("confirmed", { running: "2.0.0" }), "2.0.0")).toEqual({ kind: "done" });
  });

  it("counts an in-flight device that confirmed the version since as confirmed", () => {
    expect(decideStart(record("in-flight"), report("confirmed", { running: "2.0.0", nonce: NONCE }), "2.0.0")).toEqual({ kind: "confirmed" });
  });

  it("follows an in-flight device whose update is still going", () => {
    expect(decideStart(record("in-flight"), report("trial", { running: "2.0.0", version: "2.0.0", nonce: NONCE }), "2.0.0")).toEqual({ kind: "follow", nonce: NONCE });
  });

  it("starts an in-flight device over when its update ended in failure", () => {
    expect(decideStart(record("in-flight"), report("rolled-back", { running: "1.0.0", nonce: NONCE }), "2.0.0")).toEqual({ kind: "start" });
  });

  it("retries a device that failed in an earlier run", () => {
    expect(decideStart(record("rolled-back"), report("rolled-back", { running: "1.0.0", nonce: NONCE }), "2.0.0")).toEqual({ kind: "start" });
  });

  it("sends nothing to a device that already runs the version, confirmed", () => {
    expect(decideStart(undefined, report("confirmed", { running: "2.0.0" }), "2.0.0")).toEqual({ kind: "up-to-date" });
  });

  it("sends nothing to a device running the version after rolling back another update", () => {
    expect(decideStart(undefined, report("rolled-back", { running: "2.0.0", previous: "2.1.0" }), "2.0.0")).toEqual({ kind: "up-to-date" });
  });

  it("starts a device on trial with the version: its trial is not over", () => {
    expect(decideStart(undefined, report("trial", { running: "2.0.0" }), "2.0.0")).toEqual({ kind: "start" });
  });

  it("starts a device it knows nothing of", () => {
    expect(decideStart(undefined, undefined, "2.0.0")).toEqual({ kind: "start" });
  });
});

describe("state file", () => {
  const dir = mkdtempSync(join(tmpdir(), "fieldnode-rollout-state-"));
  const image = { version: "2.0.0", sha256: "cd".repeat(32) };

  it("reads back what it wrote", () => {
    const path = join(dir, "a.json");
    const state = newRolloutState(image);
    state.devices["node-1"] = record("confirmed");
    saveRolloutState(path, state);
    expect(loadRolloutState(path)).toEqual(state);
  });

  it("is absent before the first run", () => {
    expect(loadRolloutState(join(dir, "none.json"))).toBeUndefined();
  });

  it("refuses a file that is not a rollout state", () => {
    const path = join(dir, "other.json");
    writeFileSync(path, '{"hello":1}');
    expect(() => loadRolloutState(path)).toThrow(new RolloutStateError(`${path} is not a fieldnode rollout state file (format "fieldnode-rollout", version 1)`));
  });

  it("is written whole: no temporary file is left beside it", () => {
    const path = join(dir, "b.json");
    saveRolloutState(path, newRolloutState(image));
    expect(JSON.parse(readFileSync(path, "utf8"))).toMatchObject({ format: "fieldnode-rollout", version: 1, image });
  });
});
