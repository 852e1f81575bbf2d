/**
 * `fieldnode ota push` through Eclipse Mosquitto (where installed; CI
 * installs it): a simulated device and the tool on a broker that is not
 * the simulator's own.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { EXIT } from "../../host/cli/command";
import { freePort, MOSQUITTO, startMosquitto, type Mosquitto } from "../telemetry/mosquitto";
import { startSimFleet, type SimFleet } from "./ota-sim-fixture";
import { fieldnode } from "./ota-support";

const missing = MOSQUITTO === undefined ? "SKIPPED: the mosquitto push test needs mosquitto (apt-get install -y mosquitto)" : undefined;
if (missing !== undefined) console.log(missing);

describe.skipIf(missing !== undefined)("ota push through mosquitto", () => {
  let mosquitto: Mosquitto;
  let sim: SimFleet;

  beforeAll(async () => {
    process.stdout.isTTY = false;
    mosquitto = await startMosquitto(await freePort());
    sim = await startSimFleet(1, { mqtt: { host: "127.0.0.1", port: mosquitto.port } });
  }, 60_000);

  afterAll(async () => {
    await sim?.close();
    await mosquitto?.stop();
  });

  it("updates the device to its confirmation (exit 0)", async () => {
    const broker = `mqtt://127.0.0.1:${mosquitto.port}`;
    const image = await sim.image("2.0.0");
    // The device connects in its own time; push waits for its answer up to --timeout.
    const run = await fieldnode("ota", "push", "--device", "node-001", "--key", sim.technicianPath, "--image", image, "--broker", broker, "--timeout", "20");
    expect(run.stderr).toBe("");
    expect(run.code).toBe(EXIT.ok);
    expect(sim.fleet.device("node-001").device.lastBoot?.version).toBe("2.0.0");
  }, 90_000);
});
