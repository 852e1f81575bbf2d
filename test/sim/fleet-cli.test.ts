/**
 * `npm start -- --fleet N` as a person runs it: the table of devices, the
 * shared broker and keys, memory per device, a clean exit; and usage errors
 * for fleet sizes and options that cannot serve N devices.
 */
import { describe, expect, it } from "vitest";
import { runTs } from "../cli/run-node";

describe("npm start -- --fleet", () => {
  it("runs N devices, prints where each is reachable and what each costs, and stops cleanly", async () => {
    const { code, stdout, stderr } = await runTs("sim/main.ts", ["--fleet", "3", "--duration", "3", "--modbus-tcp", "0"]);
    expect(stderr).toBe("");
    expect(code).toBe(0);
    expect(stdout).toContain("fleet of 3 devices (fieldnode-001 ... fieldnode-003)");
    expect(stdout).toMatch(/device\s+Modbus RTU\/TCP\s+HTTP \(PUT \/ota\)\s+firmware/);
    for (const id of ["fieldnode-001", "fieldnode-002", "fieldnode-003"]) {
      expect(stdout).toMatch(new RegExp(`${id}\\s+127\\.0\\.0\\.1:\\d+\\s+127\\.0\\.0\\.1:\\d+\\s+\\d+\\.\\d+\\.\\d+ ota_0`));
    }
    expect(stdout).toMatch(/MQTT: embedded broker \(aedes\) mqtt:\/\/127\.0\.0\.1:\d+/);
    expect(stdout).toMatch(/OTA signing key \(trusted by every device\): \S+ota-signing\.pem/);
    expect(stdout).toMatch(/technician key \(every device obeys its signed commands\): \S+technician\.pem/);
    expect(stdout).toMatch(/memory per device \(3 devices\): heap -?\d+\.\d\d MiB, array buffers -?\d+\.\d\d MiB, RSS -?\d+\.\d\d MiB/);
    expect(stdout).toContain("powered off 3 devices (3 were running)");
  });

  it("uses --id as the prefix", async () => {
    const { code, stdout } = await runTs("sim/main.ts", ["--fleet", "2", "--id", "plant7", "--duration", "1", "--mqtt", "none", "--quiet"]);
    expect(code).toBe(0);
    expect(stdout).toContain("fleet of 2 devices (plant7-001 ... plant7-002)");
  });

  it("documents --fleet in --help", async () => {
    const { code, stdout } = await runTs("sim/main.ts", ["--help"]);
    expect(code).toBe(0);
    expect(stdout).toContain("--fleet N");
    expect(stdout).toContain("--modbus-pty is refused");
  });

  for (const [value, message] of [
    ["0", '--fleet "0" must be a number of devices from 1 to 500'],
    ["-1", '--fleet "-1" must be a number of devices from 1 to 500'],
    ["x", '--fleet "x" must be a number of devices from 1 to 500'],
    ["501", '--fleet "501" must be a number of devices from 1 to 500'],
  ] as const) {
    it(`refuses --fleet ${value} with exit status 2`, async () => {
      const { code, stdout, stderr } = await runTs("sim/main.ts", ["--fleet", value]);
      expect(code).toBe(2);
      expect(stderr).toContain(message);
      expect(stdout).toBe("");
    });
  }

  it("refuses --modbus-pty with --fleet: one pseudo-terminal cannot serve N devices", async () => {
    const { code, stderr } = await runTs("sim/main.ts", ["--fleet", "2", "--modbus-pty", "/tmp/fieldnode-fleet-pty"]);
    expect(code).toBe(2);
    expect(stderr).toContain("--modbus-pty cannot be used with --fleet");
  });

  it("refuses port ranges that run past 65535", async () => {
    const { code, stderr } = await runTs("sim/main.ts", ["--fleet", "100", "--modbus-tcp", "65500"]);
    expect(code).toBe(2);
    expect(stderr).toContain("--modbus-tcp port 65500 with --fleet 100 needs ports up to 65599");
  });
});
