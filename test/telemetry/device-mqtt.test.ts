/**
 * The whole simulated device: the firmware image from its flash, booted by the
 * bootloader model, publishing to the embedded broker. A sensor fault is seen
 * over MQTT and in the Modbus register map (through the firmware's Modbus
 * server), and recovers by itself; a power cut leaves the will behind.
 */
import { afterEach, describe, expect, it } from "vitest";
import { appendCrc } from "../../firmware/modbus/crc16";
import { FRAME_OK } from "../../firmware/modbus/server";
import { REGISTER_MAP_RESOURCE } from "../../firmware/modbus/modbus";
import { loadDevicePartitionTable } from "../../sim/boot/device-partition-table";
import { buildSimFirmware } from "../../sim/build/firmware-image";
import { VirtualClock } from "../../sim/clock/virtual-clock";
import { FLASH_SIZE } from "../../sim/device/flash-store";
import { provisionFactoryImage } from "../../sim/device/provision";
import { SimDevice } from "../../sim/device/sim-device";
import { NorFlash } from "../../sim/flash/nor-flash";
import { startEmbeddedBroker, type EmbeddedBroker } from "../../sim/net/broker";
import { subscribe, type Subscriber } from "../../sim/net/subscriber";
import { pumpUntil } from "./support";

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** Input registers 100-101: temperature ×100 (int16), its quality. */
const SENSOR_MAP = JSON.stringify({
  blocks: [
    { name: "temperature", table: "input-registers", address: 100, source: "sensors", points: [{ point: "temperature", type: "int16", scale: 100 }] },
    { name: "temperature-quality", table: "input-registers", address: 101, source: "sensors", points: [{ point: "temperature.quality" }] },
  ],
});

async function device(broker: EmbeddedBroker) {
  const partitions = loadDevicePartitionTable();
  const clock = new VirtualClock();
  const flash = new NorFlash({ size: FLASH_SIZE });
  const build = await buildSimFirmware({ version: "1.0.0" });
  provisionFactoryImage(flash, partitions, build.image);
  const dev = new SimDevice({
    id: "dev-mqtt",
    clock,
    flash,
    partitions,
    mqtt: { host: broker.host, port: broker.port },
    resources: { [REGISTER_MAP_RESOURCE]: new TextEncoder().encode(SENSOR_MAP) },
  });
  cleanups.push(() => dev.powerCut());
  return { device: dev, clock };
}

/** Reads input registers through the running firmware's Modbus server: [values] or "exception N". */
function readInputRegisters(dev: SimDevice, address: number, count: number): number[] | string {
  const rx = new Uint8Array(256);
  rx.set([1, 4, address >> 8, address & 0xff, 0, count]);
  const length = appendCrc(rx, 6);
  const tx = new Uint8Array(256);
  const n = dev.app!.modbus!.server.handleFrame(rx, length, FRAME_OK, tx);
  if (tx[1]! & 0x80) return `exception ${tx[2]}`;
  return Array.from({ length: tx[2]! / 2 }, (_, i) => (tx[3 + 2 * i]! << 8) | tx[4 + 2 * i]!).slice(0, n > 0 ? count : 0);
}

type Telemetry = { seq: number; firmware: string; device: string; channels: Record<string, { value: number | null; quality: string }> };

async function setup() {
  const broker = await startEmbeddedBroker();
  cleanups.push(() => broker.close());
  const sub: Subscriber = await subscribe({ host: broker.host, port: broker.port, topics: ["fieldnode/dev-mqtt/#"] });
  cleanups.push(() => sub.close());
  const { device: dev, clock } = await device(broker);
  const telemetry = () => sub.messages.filter((m) => m.topic === "fieldnode/dev-mqtt/telemetry").map((m) => JSON.parse(m.payload) as Telemetry);
  return { broker, sub, dev, clock, telemetry };
}

describe("simulated device publishing telemetry (embedded broker)", () => {
  it("publishes the firmware's telemetry under its device id", async () => {
    const { dev, clock, telemetry, sub } = await setup();
    dev.powerOn();
    await pumpUntil(clock, () => telemetry().some((t) => t.channels.temperature?.quality === "ok"), "telemetry with a temperature");
    const last = telemetry().at(-1)!;
    expect(last).toMatchObject({ device: "dev-mqtt", firmware: "1.0.0" });
    expect(Object.keys(last.channels)).toEqual(["temperature", "humidity", "pressure", "baro_temperature", "loop", "loop_current"]);
    expect(sub.messages[0]).toMatchObject({ topic: "fieldnode/dev-mqtt/status", payload: "online" });
    expect(dev.console.some((l) => /^telemetry: fieldnode\/dev-mqtt\/telemetry every 10 s via mqtt:\/\/127\.0\.0\.1:\d+$/.test(l.text))).toBe(true);
  });

  it("shows an injected SHT3x fault and its recovery over MQTT and in the Modbus registers", async () => {
    const { dev, clock, telemetry } = await setup();
    dev.powerOn();
    await pumpUntil(clock, () => telemetry().some((t) => t.channels.temperature?.quality === "ok"), "a good temperature");
    const good = readInputRegisters(dev, 100, 2) as number[];
    expect(good[1]).toBe(0);
    expect(good[0]! / 100).toBeCloseTo(22.5, 0);

    dev.sensors.inject("sht3x", "disconnect");
    await pumpUntil(clock, () => telemetry().at(-1)!.channels.temperature?.quality === "disconnected", "disconnected over MQTT");
    expect(readInputRegisters(dev, 100, 1)).toBe("exception 4");
    expect(readInputRegisters(dev, 101, 1)).toEqual([5]);

    dev.sensors.clear("sht3x");
    await pumpUntil(clock, () => telemetry().at(-1)!.channels.temperature?.quality === "ok", "recovery over MQTT");
    expect(readInputRegisters(dev, 101, 1)).toEqual([0]);
    expect(dev.console.some((l) => /sensor sht3x: recovered after \d+ failed attempts?/.test(l.text))).toBe(true);
  });

  it("leaves the will 'offline' on the status topic when its power is cut", async () => {
    const { dev, clock, sub } = await setup();
    dev.powerOn();
    await pumpUntil(clock, () => sub.messages.some((m) => m.payload === "online"), "online");
    dev.powerCut();
    const will = await sub.next((m) => m.topic === "fieldnode/dev-mqtt/status" && m.payload === "offline");
    expect(will.qos).toBe(1);
  });
});
