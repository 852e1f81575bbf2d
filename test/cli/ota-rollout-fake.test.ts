/** `fieldnode ota rollout` and `ota status` against fake devices on an embedded broker. */
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { EXIT } from "../../host/cli/command";
import { startFakeFleet, type Behaviour, type FakeFleet } from "./ota-fake-device";
import { events, fieldnode, imageFile, technicianKeyFile, tempDir, type KeyFile } from "./ota-support";

let dir: string;
let technician: KeyFile;
let image: string;
let fleet: FakeFleet | undefined;

beforeAll(() => {
  process.stdout.isTTY = false;
  dir = tempDir();
  technician = technicianKeyFile(dir);
  image = imageFile(dir, "2.0.0");
});

afterEach(async () => {
  await fleet?.close();
  fleet = undefined;
});

const ids = (n: number) => Array.from({ length: n }, (_, i) => `node-${String(i + 1).padStart(2, "0")}`);

async function devices(n: number, behaviours: Record<string, Behaviour> = {}): Promise<FakeFleet> {
  fleet = await startFakeFleet({
    devices: Object.fromEntries(ids(n).map((id) => [id, { running: "1.0.0", behaviour: behaviours[id] ?? "confirm" }])),
    trusted: { [technician.key.keyIdHex]: technician.key.publicKey },
  });
  return fleet;
}

const rollout = (f: FakeFleet, ...extra: string[]) => fieldnode("ota", "rollout", "--key", technician.path, "--image", image, "--broker", f.broker.url, "--timeout", "2", ...extra);

describe("ota rollout against fake devices", () => {
  it("updates every device, canary first, and ends with a summary (exit 0)", async () => {
    const f = await devices(5);
    const run = await rollout(f, "--devices", ids(5).join(","), "--waves", "40%,100%");
    expect(run.code).toBe(EXIT.ok);
    expect(run.stdout).toContain("  waves: canary (1), 1 (1), 2 (3); at most 10 at once; halt at the first failure\n");
    const table = run.stdout.slice(run.stdout.indexOf("\ndevice")).trim().split("\n");
    expect(table[0]).toMatch(/^device\s+wave\s+result\s+version\s+time\s+error$/);
    expect(table.slice(2, -1).map((row) => row.split(/\s{2,}/).slice(0, 4))).toEqual([
      ["node-01", "canary", "confirmed", "1.0.0 -> 2.0.0"],
      ["node-02", "1", "confirmed", "1.0.0 -> 2.0.0"],
      ["node-03", "2", "confirmed", "1.0.0 -> 2.0.0"],
      ["node-04", "2", "confirmed", "1.0.0 -> 2.0.0"],
      ["node-05", "2", "confirmed", "1.0.0 -> 2.0.0"],
    ]);
    expect(run.stdout.trimEnd().split("\n").at(-1)).toBe("done: 5 confirmed");
  });

  it("halts when the canary rolls back: no other device gets a command (exit 1)", async () => {
    const f = await devices(4, { "node-01": "roll-back" });
    const run = await rollout(f, "--devices", ids(4).join(","));
    expect(run.code).toBe(EXIT.failed);
    expect(run.stdout).toContain("HALTED: canary node-01 rolled-back: TRIAL_FAILED: 2.0.0 failed its trial: sensors; no more devices are started\n");
    expect([...f.received.keys()]).toEqual(["node-01"]);
    expect(run.stdout.trimEnd().split("\n").at(-1)).toBe("halted: 1 rolled-back, 3 not started");
  });

  it("halts once failures exceed --max-failures", async () => {
    const f = await devices(6, { "node-02": "fail", "node-03": "fail" });
    const run = await rollout(f, "--devices", ids(6).join(","), "--waves", "100%", "--concurrency", "1", "--max-failures", "1");
    expect(run.code).toBe(EXIT.failed);
    expect(run.stdout).toContain("HALTED: 2 devices failed, more than --max-failures allows; no more devices are started\n");
    expect([...f.received.keys()]).toEqual(["node-01", "node-02", "node-03"]);
  });

  it("resumes from --state: devices done are skipped, the rest are updated", async () => {
    const f = await devices(4, { "node-01": "roll-back" });
    const state = join(dir, "resume.json");
    const first = await rollout(f, "--devices", ids(4).join(","), "--state", state, "--waves", "100%");
    expect(first.code).toBe(EXIT.failed);
    expect(JSON.parse(readFileSync(state, "utf8")).devices["node-01"].result).toBe("rolled-back");
    f.devices.get("node-01")!.behaviour = "confirm";
    const second = await rollout(f, "--devices", ids(4).join(","), "--state", state, "--waves", "100%");
    expect(second.code).toBe(EXIT.ok);
    const third = await rollout(f, "--devices", ids(4).join(","), "--state", state, "--waves", "100%", "--json");
    expect(third.code).toBe(EXIT.ok);
    expect(events(third.stdout).filter((e) => e.event === "start")).toEqual([]);
    expect(f.received.get("node-01")!.length).toBe(2);
    expect(f.received.get("node-02")!.length).toBe(1);
  });

  it("refuses a state file from another image's rollout (exit 2)", async () => {
    const f = await devices(1);
    const state = join(dir, "other.json");
    writeFileSync(state, JSON.stringify({ format: "fieldnode-rollout", version: 1, image: { version: "1.9.0", sha256: "00".repeat(32) }, devices: {}, halted: null }));
    const run = await rollout(f, "--devices", "node-01", "--state", state);
    expect(run.code).toBe(EXIT.usage);
    expect(run.stderr).toBe(`fieldnode ota: ${state} records a rollout of 1.9.0 (SHA-256 0000000000000000...), not this image (2.0.0); use another --state file\n`);
  });

  it("--pattern picks the devices the broker knows whose ids match", async () => {
    const f = await devices(12);
    const run = await rollout(f, "--pattern", "node-1?", "--json");
    expect(run.code).toBe(EXIT.ok);
    expect(events(run.stdout)[0]).toMatchObject({ event: "plan", waves: [{ wave: "canary", devices: ["node-10"] }, { wave: "1", devices: ["node-11"] }, { wave: "2", devices: ["node-12"] }] });
  });

  it("reads --devices-file, one id a line, with comments", async () => {
    const f = await devices(3);
    const file = join(dir, "devices.txt");
    writeFileSync(file, "# site A\nnode-03\n\nnode-01  # the old one\n");
    const run = await rollout(f, "--devices-file", file, "--json");
    expect(events(run.stdout)[0]).toMatchObject({ event: "plan", waves: [{ wave: "canary", devices: ["node-03"] }, { wave: "1", devices: ["node-01"] }] });
  });
});

describe("ota status against fake devices", () => {
  it("prints one row per device from what they keep retained", async () => {
    const f = await devices(2);
    await fieldnode("ota", "push", "--device", "node-02", "--key", technician.path, "--image", image, "--broker", f.broker.url);
    const run = await fieldnode("ota", "status", "--broker", f.broker.url);
    expect(run).toEqual({
      code: EXIT.ok,
      stdout:
        "device   online  state      running  previous  percent  error\n" +
        "-------  ------  ---------  -------  --------  -------  -----\n" +
        "node-01  yes     idle       1.0.0    -         -\n" +
        "node-02  yes     confirmed  2.0.0    1.0.0     -\n",
      stderr: "",
    });
  });

  it("exits 3 for a named device the broker has no status for", async () => {
    const f = await devices(1);
    const run = await fieldnode("ota", "status", "--device", "node-01", "--device", "node-99", "--broker", f.broker.url);
    expect(run.code).toBe(EXIT.io);
    expect(run.stdout).toContain("node-99  ?       unknown");
    expect(run.stderr).toBe(`fieldnode ota: no status on ${f.broker.url} for node-99 under fieldnode/: check the device id, --prefix, and that the device has connected at least once\n`);
  });

  it("--watch prints a line per change until stopped", async () => {
    const f = await devices(1);
    let stop = (): void => {};
    const stopped = new Promise<void>((resolve) => (stop = resolve));
    let out = "";
    const { runStatus } = await import("../../host/cli/commands/ota-status");
    const watching = runStatus(["--broker", f.broker.url, "--watch"], { stdout: (t) => void (out += t), stderr: () => {} }, stopped);
    await new Promise((r) => setTimeout(r, 600));
    await fieldnode("ota", "push", "--device", "node-01", "--key", technician.path, "--image", image, "--broker", f.broker.url);
    stop();
    expect(await watching).toBe(EXIT.ok);
    const changes = out.split("\n").filter((l) => /^\d{4}-/.test(l)).map((l) => l.split("  ").slice(1, 4).join(" "));
    expect(changes).toContain("node-01 yes confirmed");
    expect(changes).toContain("node-01 yes trial 2.0.0");
  });
});
