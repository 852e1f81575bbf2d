/**
 * `fieldnode ota rollout` over 20 real simulated devices. The canary is given
 * a hardware fault (its SHT3x off the bus), so the new image's "sensors"
 * health check never passes and its trial ends at the firmware's 60 s
 * deadline: rejected, rolled back, rollout halted with the other 19
 * untouched. With the fault cleared, the same rollout resumed from its state
 * file brings all 20 to the new version.
 */
import { join } from "node:path";
import { readFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { EXIT } from "../../host/cli/command";
import { startSimFleet, type SimFleet } from "./ota-sim-fixture";
import { fieldnode } from "./ota-support";

let sim: SimFleet;
let image: string;
let state: string;
const ids = Array.from({ length: 20 }, (_, i) => `node-${String(i + 1).padStart(3, "0")}`);

beforeAll(async () => {
  process.stdout.isTTY = false;
  sim = await startSimFleet(20);
  image = await sim.image("2.0.0");
  state = join(sim.dir, "rollout.json");
  const deadline = Date.now() + 60_000;
  for (;;) {
    const run = await fieldnode("ota", "status", "--broker", sim.broker, "--json");
    const rows = run.stdout.split("\n").filter(Boolean).map((l) => JSON.parse(l) as { online: boolean | null; report: unknown });
    if (rows.length === 20 && rows.every((r) => r.online === true && r.report !== null)) break;
    if (Date.now() > deadline) throw new Error(`fleet not up: ${run.stdout}`);
    await new Promise((r) => setTimeout(r, 500));
  }
}, 120_000);

afterAll(async () => {
  await sim?.close();
});

const rollout = () =>
  fieldnode("ota", "rollout", "--key", sim.technicianPath, "--image", image, "--pattern", "node-*", "--canary", "1", "--waves", "100%", "--concurrency", "20", "--state", state, "--broker", sim.broker, "--timeout", "30");

describe("ota rollout over 20 simulated devices", () => {
  it("halts when the canary fails its trial: it is back on 1.0.0, the other 19 untouched", async () => {
    const canary = sim.fleet.device("node-001").device;
    canary.sensors.inject("sht3x", "disconnect");
    const bootsBefore = ids.map((id) => sim.fleet.device(id).device.lastBoot?.count);
    const run = await rollout();
    expect(run.code).toBe(EXIT.failed);
    expect(run.stdout).toMatch(/HALTED: canary node-001 rolled-back: TRIAL_FAILED: /);
    expect(run.stdout.trimEnd().split("\n").at(-1)).toBe(`halted: 1 rolled-back, 19 not started; run again with --state ${state} to resume`);
    expect(canary.lastBoot?.version).toBe("1.0.0");
    for (const id of ids.slice(1)) {
      const device = sim.fleet.device(id).device;
      expect(device.lastBoot?.version, id).toBe("1.0.0");
      expect(device.lastBoot?.count, id).toBe(bootsBefore[ids.indexOf(id)]);
    }
    expect(JSON.parse(readFileSync(state, "utf8"))).toMatchObject({ halted: expect.stringMatching(/^canary node-001 rolled-back/), devices: { "node-001": { result: "rolled-back" } } });
  }, 180_000);

  it("resumed with the fault cleared, brings all 20 to 2.0.0", async () => {
    sim.fleet.device("node-001").device.sensors.clear("sht3x");
    const run = await rollout();
    expect(run.stderr).toBe("");
    expect(run.code).toBe(EXIT.ok);
    expect(run.stdout.trimEnd().split("\n").at(-1)).toBe("done: 20 confirmed");
    for (const id of ids) {
      const device = sim.fleet.device(id).device;
      expect(device.lastBoot?.version, id).toBe("2.0.0");
      expect(device.imageState(), id).toBe("valid");
    }
  }, 180_000);
});
