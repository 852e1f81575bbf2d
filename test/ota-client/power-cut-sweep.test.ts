import { describe, expect, it } from "vitest";
import type { SimDevice } from "../../sim/device/sim-device";
import { PowerCutError } from "../../sim/flash/nor-flash";
import { runningDevice, signedBuild, site } from "./e2e-fixture";

/** A device on v1 with a setting stored, ready for an update. */
async function device() {
  const { flash, clock, sim } = await runningDevice("1.0.0", "sweep");
  sim.app!.settings.set(site, { name: "pump station 7" });
  return { flash, clock, sim };
}

/** Pushes `image` as PUT /ota would, 4 KiB at a time; returns false if the power went. */
function push(sim: SimDevice, image: Uint8Array): boolean {
  try {
    const receiver = sim.app!.ota.receive(image.length);
    if ("code" in receiver) throw new Error(`update refused: ${receiver.message}`);
    for (let at = 0; at < image.length; at += 4096) {
      const failure = receiver.write(image.subarray(at, at + 4096));
      if (failure !== undefined) throw new Error(`update refused: ${failure.message}`);
    }
    const failure = receiver.finish();
    if (failure !== undefined) throw new Error(`update refused: ${failure.message}`);
    return true;
  } catch (error) {
    if (error instanceof PowerCutError || !sim.app) return false;
    throw error;
  }
}

/** Long enough for the restart, the trial (15 s soak) and the confirmation. */
const SETTLE_MS = 30_000;

describe("power-cut sweep over a full update", () => {
  it("always comes back on a valid signed image with its settings, and a repeated update then succeeds", async () => {
    const v2 = await signedBuild("2.0.0");
    const v3 = await signedBuild("3.0.0");

    // Dry run: how many flash operations does a full update take, start to confirmation?
    const dry = await device();
    const first = dry.flash.stats.operations;
    expect(push(dry.sim, v2)).toBe(true);
    dry.clock.advance(SETTLE_MS);
    expect([dry.sim.lastBoot?.version, dry.sim.imageState()]).toEqual(["2.0.0", "valid"]);
    const operations = dry.flash.stats.operations - first;
    expect(operations).toBeGreaterThan(40);

    const outcomes = new Map<string, number>();
    let cuts = 0;
    for (let i = 0; i < operations; i++) {
      for (const torn of [false, true]) {
        const { flash, clock, sim } = await device();
        flash.armPowerCut({ atOperation: flash.stats.operations + i, torn, seed: i });
        push(sim, v2);
        clock.advance(SETTLE_MS);
        expect(sim.state, `cut ${i}${torn ? " torn" : ""} never happened`).toBe("off");
        cuts++;

        flash.powerRestored();
        sim.powerOn();
        clock.advance(SETTLE_MS);
        const where = `after a ${torn ? "torn" : "clean"} cut at operation ${i} of ${operations}`;
        expect(sim.state, where).toBe("running");
        expect(sim.imageState(), where).toBe("valid");
        expect(["1.0.0", "2.0.0"], where).toContain(sim.lastBoot?.version);
        expect(sim.app!.settings.get(site), where).toEqual({ name: "pump station 7" });
        const outcome = sim.lastBoot!.version;
        outcomes.set(outcome, (outcomes.get(outcome) ?? 0) + 1);

        expect(push(sim, v3), where).toBe(true);
        clock.advance(SETTLE_MS);
        expect([sim.lastBoot?.version, sim.imageState()], where).toEqual(["3.0.0", "valid"]);
      }
    }
    console.log(
      `power-cut sweep: ${operations} flash operations in a full update, ${cuts} cuts (clean and torn), 0 failures; ` +
        `came back on ${[...outcomes].map(([v, n]) => `${v} ×${n}`).join(", ")}`,
    );
  });
});
