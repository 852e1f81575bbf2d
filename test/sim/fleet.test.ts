/**
 * startFleet: several devices in one process, each reachable on its own
 * (id on the shared broker, Modbus port, HTTP port, flash), as OTA rollout
 * tests need them.
 */
import { existsSync, mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { readHoldingOverTcp } from "../modbus/tcp-master";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { RealClock } from "../../sim/clock/real-clock";
import { VirtualClock } from "../../sim/clock/virtual-clock";
import { FLASH_SIZE } from "../../sim/device/flash-store";
import { startFleet, type Fleet } from "../../sim/fleet/fleet";
import { fleetDeviceId } from "../../sim/fleet/fleet-ids";
import { subscribe } from "../../sim/net/subscriber";

const COUNT = 5;

describe("a fleet of devices on one broker", () => {
  let fleet: Fleet;
  beforeAll(async () => {
    fleet = await startFleet({
      count: COUNT,
      clock: new RealClock(),
      idPrefix: "unit",
      trustedKeys: [],
      technicianKeys: [],
      modbusTcp: { port: 0 },
      modbusReceiveTiming: "burst",
    });
    expect(await fleet.waitUntilListening(30_000)).toEqual([]);
  });
  afterAll(() => fleet?.close());

  it("names the devices <prefix>-001 … and gives each its own flash and ports", () => {
    const ids = fleet.devices.map((d) => d.id);
    expect(ids).toEqual(["unit-001", "unit-002", "unit-003", "unit-004", "unit-005"]);
    expect(new Set(fleet.devices.map((d) => d.device.flash)).size).toBe(COUNT);
    expect(new Set(fleet.devices.map((d) => d.httpPort)).size).toBe(COUNT);
    expect(new Set(fleet.devices.map((d) => d.modbus?.port)).size).toBe(COUNT);
    expect(fleet.device("unit-003").device.id).toBe("unit-003");
    expect(() => fleet.device("unit-999")).toThrow(/no device "unit-999"/);
    for (const d of fleet.devices) {
      expect(d.provisioned).toBe(true);
      expect(d.flashLocation).toBe("memory");
      expect(d.device.state).toBe("running");
    }
  });

  it("has every device announce itself online on the shared broker under its own id", async () => {
    const broker = fleet.broker!;
    expect(broker.embedded).toBe(true);
    const sub = await subscribe({ host: broker.host, port: broker.port, topics: ["fieldnode/+/status"] });
    try {
      const online = new Set<string>();
      for (const d of fleet.devices) {
        const topic = `fieldnode/${d.id}/status`;
        await sub.next((m) => m.topic === topic && m.payload === "online", 20_000, true);
        online.add(topic);
      }
      expect(online.size).toBe(COUNT);
    } finally {
      await sub.close();
    }
  });

  it("has every device answer Modbus on its own port", async () => {
    for (const d of fleet.devices) {
      expect(await readHoldingOverTcp(d.modbus!.port, 0, 4)).toEqual([1, 192, 2, 1]);
    }
  });

  it("keeps a device's HTTP port across a reboot, so tools can find it again after an update", async () => {
    const member = fleet.devices[1]!;
    const before = member.httpPort;
    member.device.reset("software");
    expect(await fleet.waitUntilListening(20_000)).toEqual([]);
    expect(member.device.lastBoot?.reason).toBe("software");
    expect(member.httpPort).toBe(before);
  });

  it("gives every device its own sensor noise and its own faults", () => {
    const readings = fleet.devices.map((d) => d.device.sensors.signals.temperature.at(1000));
    expect(new Set(readings).size).toBe(COUNT);
    fleet.devices[2]!.device.sensors.inject("sht3x", "nack");
    try {
      expect(fleet.devices.map((d) => d.device.sensors.active().length > 0)).toEqual([false, false, true, false, false]);
    } finally {
      fleet.devices[2]!.device.sensors.clear("sht3x");
    }
  });

  it("reports memory per device", () => {
    const memory = fleet.memoryPerDevice();
    expect(memory.devices).toBe(COUNT);
    for (const figure of [memory.heap, memory.arrayBuffers, memory.rss]) expect(Number.isFinite(figure)).toBe(true);
  });
});

describe("startFleet options", () => {
  const dir = mkdtempSync(join(tmpdir(), "fieldnode-fleet-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("keeps each device's flash in <stateDir>/<id>/<id>.flash and finds it there next time", async () => {
    const options = { count: 2, clock: new VirtualClock(), mqtt: "none" as const, stateDir: dir, trustedKeys: [], technicianKeys: [], powerOn: false };
    const first = await startFleet(options);
    await first.close();
    for (const id of ["fieldnode-001", "fieldnode-002"]) {
      expect(statSync(join(dir, id, `${id}.flash`)).size).toBe(FLASH_SIZE);
    }
    expect(first.devices.every((d) => d.provisioned)).toBe(true);
    expect(first.broker).toBeUndefined();
    const second = await startFleet(options);
    await second.close();
    expect(second.devices.map((d) => d.provisioned)).toEqual([false, false]);
    expect(second.devices[0]!.flashLocation).toBe(join(dir, "fieldnode-001", "fieldnode-001.flash"));
    expect(existsSync(join(dir, "fieldnode-003"))).toBe(false);
  });

  it("puts device i's HTTP port on base + i", async () => {
    const fleet = await startFleet({ count: 2, clock: new VirtualClock(), mqtt: "none", trustedKeys: [], technicianKeys: [], httpPortBase: 40_100, powerOn: false });
    await fleet.close();
    expect(fleet.devices.map((d) => d.httpPort)).toEqual([40_100, 40_101]);
  });

  it("refuses sizes outside 1 to 500 and port ranges past 65535", async () => {
    const base = { clock: new VirtualClock(), mqtt: "none" as const, trustedKeys: [], technicianKeys: [] };
    for (const count of [0, -1, 1.5, 501]) await expect(startFleet({ ...base, count })).rejects.toThrow(/1 to 500/);
    await expect(startFleet({ ...base, count: 10, httpPortBase: 65_530 })).rejects.toThrow(/not all TCP ports/);
  });

  it("pads ids to the fleet's size", () => {
    expect(fleetDeviceId("fieldnode", 0, 1)).toBe("fieldnode-001");
    expect(fleetDeviceId("x", 41, 100)).toBe("x-042");
    expect(fleetDeviceId("x", 999, 1000)).toBe("x-1000");
  });
});
