/**
 * `fieldnode ota push` and `fieldnode command` against fake devices on an
 * embedded broker: the tools' logic, fast and deterministic.
 */
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { EXIT } from "../../host/cli/command";
import { startFakeFleet, type Behaviour, type FakeFleet } from "./ota-fake-device";
import { events, fieldnode, imageFile, technicianKeyFile, tempDir, type KeyFile } from "./ota-support";

let dir: string;
let technician: KeyFile;
let stranger: KeyFile;
let image: string;
let fleet: FakeFleet | undefined;

beforeAll(() => {
  // The tools draw a bar only on a terminal; these tests read the plain lines.
  process.stdout.isTTY = false;
  dir = tempDir();
  technician = technicianKeyFile(dir);
  stranger = technicianKeyFile(dir, "stranger");
  image = imageFile(dir, "2.0.0");
});

afterEach(async () => {
  await fleet?.close();
  fleet = undefined;
});

async function device(behaviour: Behaviour, known = true): Promise<FakeFleet> {
  fleet = await startFakeFleet({ devices: { "node-1": { running: "1.0.0", behaviour, known } }, trusted: { [technician.key.keyIdHex]: technician.key.publicKey } });
  return fleet;
}

const push = (f: FakeFleet, ...extra: string[]) => fieldnode("ota", "push", "--device", "node-1", "--key", technician.path, "--image", image, "--broker", f.broker.url, "--timeout", "2", ...extra);

describe("ota push against a fake device", () => {
  it("follows a successful update to its confirmation and exits 0", async () => {
    const f = await device("confirm");
    const run = await push(f);
    expect(run.code).toBe(EXIT.ok);
    const lines = run.stdout.trimEnd().split("\n");
    expect(lines[0]).toMatch(/^serving fieldnode 2\.0\.0 \(4\.\d KiB, payload SHA-256 [0-9a-f]{16}\.\.\.\) at http:\/\/127\.0\.0\.1:\d+\/fieldnode-2\.0\.0\.bin$/);
    expect(lines[1]).toBe(`sending ota.start 2.0.0 to node-1 via ${f.broker.url} (technician key ${technician.key.keyIdHex})`);
    expect(lines.slice(2, -1)).toEqual([
      "node-1 accepted ota.start: downloading 2.0.0",
      "downloading 2.0.0 (1000 B)",
      "installing 2.0.0 into the inactive slot",
      "rebooting into 2.0.0",
      "node-1 is offline",
      "node-1 is online",
      "trial: 2.0.0 is running on ota_1 and proving itself",
      "confirmed: 2.0.0 kept its slot (was 1.0.0)",
    ]);
    expect(lines.at(-1)).toMatch(/^updated node-1: 1\.0\.0 -> 2\.0\.0, confirmed after its trial \(\d+\.\d s\)$/);
  });

  it("sends the version and payload SHA-256 from the image header", async () => {
    const f = await device("confirm");
    const inspect = await fieldnode("inspect", "--json", image);
    const header = JSON.parse(inspect.stdout) as { payloadSha256: string };
    await push(f);
    const args = f.received.get("node-1")![0]!.args;
    expect(args).toEqual({ url: expect.stringMatching(/^http:\/\/127\.0\.0\.1:\d+\/fieldnode-2\.0\.0\.bin$/), version: "2.0.0", sha256: header.payloadSha256 });
  });

  it("exits 1 on a rollback and prints the device's error", async () => {
    const f = await device("roll-back");
    const run = await push(f);
    expect(run.code).toBe(EXIT.failed);
    expect(run.stdout.trimEnd().split("\n").at(-1)).toMatch(/^update of node-1 to 2\.0\.0 rolled back; it runs 1\.0\.0 again \(\d+\.\d s\): TRIAL_FAILED \(14\): 2\.0\.0 failed its trial: sensors$/);
  });

  it("exits 1 when the download fails, with the error code", async () => {
    const f = await device("fail");
    const run = await push(f);
    expect(run.code).toBe(EXIT.failed);
    expect(run.stdout).toContain("failed: SHA256_MISMATCH: payload SHA-256 differs from the one the command named\n");
  });

  it("exits 1 with the reason when the device refuses the command", async () => {
    const f = await device("refuse-busy");
    const run = await push(f);
    expect(run.code).toBe(EXIT.failed);
    expect(run.stdout.trimEnd().split("\n").at(-1)).toBe("node-1 refused the command: busy: BUSY: an update is already downloading");
  });

  it("reports a key the device does not trust as unknown-key", async () => {
    const f = await device("confirm");
    const run = await fieldnode("ota", "push", "--device", "node-1", "--key", stranger.path, "--image", image, "--broker", f.broker.url, "--timeout", "2");
    expect(run.code).toBe(EXIT.failed);
    expect(run.stdout.trimEnd().split("\n").at(-1)).toBe(`node-1 refused the command: unknown-key: technician key ${stranger.key.keyIdHex} is not trusted by this device`);
  });

  it("exits 3 when the device never answers, saying what to check", async () => {
    const f = await device("silent");
    const run = await push(f, "--timeout", "0.5");
    expect(run.code).toBe(EXIT.io);
    expect(run.stderr).toBe("fieldnode ota: device node-1 did not answer within 0.5 s; it is online: check that its firmware takes signed commands and that its clock is set\n");
  });

  it("exits 3 when the broker has never heard of the device", async () => {
    const f = await device("silent", false);
    const run = await push(f, "--timeout", "0.5");
    expect(run.code).toBe(EXIT.io);
    expect(run.stderr).toBe("fieldnode ota: device node-1 did not answer within 0.5 s; the broker has no status for it under fieldnode/: check the device id, --prefix and --broker\n");
  });

  it("exits 3 when the device stops reporting mid-update", async () => {
    const f = await device("stall");
    const run = await push(f, "--timeout", "0.5");
    expect(run.code).toBe(EXIT.io);
    expect(run.stderr).toMatch(/^fieldnode ota: device node-1 reported nothing for 0\.5 s after "downloading"; /);
  });

  it("exits 3 with a message naming the broker when it cannot be reached", async () => {
    const run = await fieldnode("ota", "push", "--device", "node-1", "--key", technician.path, "--image", image, "--broker", "mqtt://127.0.0.1:1");
    expect(run.code).toBe(EXIT.io);
    expect(run.stderr).toBe("fieldnode ota: cannot reach the MQTT broker at mqtt://127.0.0.1:1: connection refused; check that the broker runs and listens on 127.0.0.1:1 (--broker mqtt://HOST:PORT)\n");
  });

  it("--json prints one event per line: command-result, state, progress, outcome", async () => {
    const f = await device("confirm");
    const run = await push(f, "--json");
    expect(run.code).toBe(EXIT.ok);
    const list = events(run.stdout);
    expect(list.map((e) => (e.event === "state" || e.event === "progress" ? `${String(e.event)}:${String(e.state)}` : e.event))).toEqual([
      "command-result",
      "state:downloading",
      "progress:downloading",
      "progress:downloading",
      "progress:downloading",
      "state:installing",
      "state:rebooting",
      "state:trial",
      "state:confirmed",
      "outcome",
    ]);
    expect(list.at(-1)).toMatchObject({ event: "outcome", device: "node-1", result: "confirmed", from: "1.0.0", to: "2.0.0", running: "2.0.0", error: null, exit: 0 });
    expect(list[4]).toMatchObject({ event: "progress", bytes: 1000, total: 1000, percent: 100 });
  });
});

describe("ota push command line", () => {
  it("refuses a P-256 key with the Ed25519 hint (exit 2)", async () => {
    const { generateKey } = await import("../../host/keys/key-files");
    const { writeFileSync } = await import("node:fs");
    const path = `${dir}/p256.pem`;
    writeFileSync(path, generateKey("p256").privatePem);
    const run = await fieldnode("ota", "push", "--device", "node-1", "--key", path, "--image", image);
    expect(run.code).toBe(EXIT.usage);
    expect(run.stderr).toBe(`fieldnode ota: ${path} is an ECDSA P-256 key; technician keys are Ed25519: make one with fieldnode keygen --type ed25519\n`);
  });

  it("needs --version and --sha256 with --url", async () => {
    const run = await fieldnode("ota", "push", "--device", "node-1", "--key", technician.path, "--url", "http://10.0.0.5:8070/fw.bin");
    expect(run.code).toBe(EXIT.usage);
    expect(run.stderr).toBe("fieldnode ota: --url needs --version and --sha256 (fieldnode inspect IMAGE prints both)\n");
  });

  it("exits 3 for an image file that does not exist", async () => {
    const run = await fieldnode("ota", "push", "--device", "node-1", "--key", technician.path, "--image", `${dir}/missing.bin`);
    expect(run.code).toBe(EXIT.io);
    expect(run.stderr).toBe(`fieldnode ota: cannot read image ${dir}/missing.bin: no such file\n`);
  });
});

describe("fieldnode command against a fake device", () => {
  it("prints the device's acceptance of a reboot and exits 0", async () => {
    const f = await device("confirm");
    const run = await fieldnode("command", "reboot", "--device", "node-1", "--key", technician.path, "--broker", f.broker.url);
    expect(run).toEqual({ code: EXIT.ok, stdout: "node-1 accepted reboot: ok\n", stderr: "" });
  });

  it("signs config values as the device reads them", async () => {
    const f = await device("confirm");
    await fieldnode("command", "config", "--device", "node-1", "--key", technician.path, "--broker", f.broker.url, "--section", "telemetry", "--set", "interval=5000", "--set", "broker=mqtt://10.0.0.9:1883", "--reboot");
    expect(f.received.get("node-1")![0]).toMatchObject({ command: "config.set", args: { section: "telemetry", values: { interval: 5000, broker: "mqtt://10.0.0.9:1883" }, reboot: true } });
  });

  it("sends the key id of a .pub file to revoke", async () => {
    const f = await device("confirm");
    await fieldnode("command", "revoke-key", "--device", "node-1", "--key", technician.path, "--broker", f.broker.url, "--pub", stranger.path);
    expect(f.received.get("node-1")![0]).toMatchObject({ command: "key.revoke", args: { keyId: stranger.key.keyIdHex } });
  });

  it("exits 1 with the reason when refused", async () => {
    const f = await device("refuse-busy");
    const run = await fieldnode("command", "reboot", "--device", "node-1", "--key", technician.path, "--broker", f.broker.url);
    expect(run).toEqual({ code: EXIT.failed, stdout: "node-1 refused reboot: busy: BUSY: an update is already downloading\n", stderr: "" });
  });

  it("exits 3 when the device does not answer", async () => {
    const f = await device("silent");
    const run = await fieldnode("command", "reboot", "--device", "node-1", "--key", technician.path, "--broker", f.broker.url, "--timeout", "0.3");
    expect(run.code).toBe(EXIT.io);
    expect(run.stderr).toBe("fieldnode command: node-1 did not answer reboot within 0.3 s; it is online: check that its firmware takes signed commands and that its clock is set\n");
  });

  it("refuses an unknown command name (exit 2)", async () => {
    const run = await fieldnode("command", "format-flash", "--device", "node-1");
    expect(run.code).toBe(EXIT.usage);
    expect(run.stderr).toBe("fieldnode command: unknown command \"format-flash\": reboot, config or revoke-key; see 'fieldnode command --help'\n");
  });
});
