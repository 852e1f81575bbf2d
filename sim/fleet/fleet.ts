/**
 * N simulated devices in one process, for `npm start -- --fleet N` and for
 * tests and benchmarks that need a fleet (OTA rollouts, broker load): each
 * device has its own id, flash, Modbus endpoint and HTTP port; all of them
 * share one clock, one firmware build and one MQTT broker.
 */
import { join } from "node:path";
import { loadDevicePartitionTable } from "../boot/device-partition-table";
import type { PartitionTable } from "../boot/partition-table";
import { buildSimFirmware } from "../build/firmware-image";
import type { SimClock } from "../clock/sim-clock";
import { openDeviceFlash, type FlashStore } from "../device/flash-store";
import { precompileFirmware } from "../device/firmware-realm";
import { isBlank, provisionFactoryImage } from "../device/provision";
import { SimDevice } from "../device/sim-device";
import { startEmbeddedBroker, type EmbeddedBroker } from "../net/broker";
import { DEFAULT_PHYSICS, SimSensorBoard, type SensorPhysics } from "../sensors/board";
import { startModbusAccess, type ModbusAccess } from "../serial/modbus-access";
import { MAX_FLEET_SIZE, fleetDeviceId } from "./fleet-ids";
import { perDevice, sampleMemory, type MemoryPerDevice } from "./memory";

export interface FleetOptions {
  count: number;
  /** One clock for every device (a RealClock, or a VirtualClock the caller advances). */
  clock: SimClock;
  /** Device ids are `<idPrefix>-001`, `<idPrefix>-002`, …; default "fieldnode". */
  idPrefix?: string;
  /**
   * The broker every device uses unless its settings name another: a broker
   * the caller runs (an EmbeddedBroker fits; the fleet does not close it), or
   * "none". Default: an embedded aedes on a free port, closed with the fleet.
   */
  mqtt?: { host: string; port: number } | "none";
  /** Keep each device's flash in `<stateDir>/<id>/<id>.flash`; default: in memory. */
  stateDir?: string;
  /** Version of the image provisioned on blank flashes; default: package.json's. */
  version?: string;
  /** Public key files (*.pub) the provisioned image accepts OTA images from. */
  trustedKeys: readonly string[];
  /** Ed25519 public key files whose signed commands the provisioned image obeys. */
  technicianKeys: readonly string[];
  /** Device i's HTTP port 80 on host port httpPortBase + i; default: a free port per device, kept across its reboots. */
  httpPortBase?: number;
  /** Serve device i's Modbus as RTU over TCP on port + i (port 0: a free port each); default: no TCP access. */
  modbusTcp?: { host?: string; port: number };
  /** Files every device's firmware reads as resources, e.g. a register map. */
  resources?: Readonly<Record<string, Uint8Array>>;
  /** See SimDeviceOptions; "burst" on real time. */
  modbusReceiveTiming?: "character" | "burst";
  bootDelayMs?: number;
  /** Power every device on once created; default true. */
  powerOn?: boolean;
  partitions?: PartitionTable;
}

export interface FleetDevice {
  readonly index: number;
  readonly id: string;
  /** The simulated chip: power, flash (armPowerCut), sensors (inject), console. */
  readonly device: SimDevice;
  /** The flash file, or "memory". */
  readonly flashLocation: string;
  /** Whether this start wrote the factory image (the flash was blank). */
  readonly provisioned: boolean;
  /** Host port of the device's HTTP port 80 (PUT/GET /ota); undefined until the firmware first listens. */
  readonly httpPort: number | undefined;
  /** RTU-over-TCP endpoint, when the fleet was given modbusTcp. */
  readonly modbus: { host: string; port: number } | undefined;
}

export interface FleetBroker {
  host: string;
  port: number;
  url: string;
  /** True when the fleet started it (and close() stops it). */
  embedded: boolean;
}

export interface Fleet {
  readonly devices: readonly FleetDevice[];
  /** undefined when the fleet runs with mqtt: "none". */
  readonly broker: FleetBroker | undefined;
  /** What blank flashes were provisioned with. */
  readonly firmware: { version: string; imageBytes: number };
  device(id: string): FleetDevice;
  /** Resolves once every device's firmware listens on port 80, or at the timeout with the ids still waiting. */
  waitUntilListening(timeoutMs: number): Promise<string[]>;
  /** Memory grown since just before the devices were made, per device. */
  memoryPerDevice(): MemoryPerDevice;
  /** Cuts power to every device, closes their Modbus servers and flash files, and the embedded broker. */
  close(): Promise<void>;
}

export async function startFleet(options: FleetOptions): Promise<Fleet> {
  const { count, clock } = options;
  if (!Number.isInteger(count) || count < 1 || count > MAX_FLEET_SIZE) {
    throw new RangeError(`a fleet has 1 to ${MAX_FLEET_SIZE} devices, not ${count}`);
  }
  const prefix = options.idPrefix ?? "fieldnode";
  const lastPort = (base: number): number => base + count - 1;
  if (options.httpPortBase !== undefined && (options.httpPortBase < 1 || lastPort(options.httpPortBase) > 65_535)) {
    throw new RangeError(`HTTP ports ${options.httpPortBase}-${lastPort(options.httpPortBase)} are not all TCP ports`);
  }
  if (options.modbusTcp !== undefined && options.modbusTcp.port !== 0 && lastPort(options.modbusTcp.port) > 65_535) {
    throw new RangeError(`Modbus ports ${options.modbusTcp.port}-${lastPort(options.modbusTcp.port)} are not all TCP ports`);
  }
  const partitions = options.partitions ?? loadDevicePartitionTable();
  // One build for all: buildSimFirmware caches by options, and the devices'
  // realms share one compilation of it (see firmware-realm.ts).
  const build = await buildSimFirmware({
    ...(options.version !== undefined ? { version: options.version } : {}),
    trustedKeys: options.trustedKeys,
    technicianKeys: options.technicianKeys,
  });

  let embedded: EmbeddedBroker | undefined;
  let broker: FleetBroker | undefined;
  if (options.mqtt === undefined) {
    embedded = await startEmbeddedBroker({ port: 0 });
    broker = { host: embedded.host, port: embedded.port, url: embedded.url, embedded: true };
  } else if (options.mqtt !== "none") {
    broker = { host: options.mqtt.host, port: options.mqtt.port, url: `mqtt://${options.mqtt.host}:${options.mqtt.port}`, embedded: false };
  }

  // Before the baseline: the parse every device shares is not a cost per device.
  precompileFirmware(build.source, `fieldnode-${build.version}.js`);
  const baseline = sampleMemory();
  const stores: FlashStore[] = [];
  const accesses: ModbusAccess[] = [];
  const members: Member[] = [];
  const close = async (): Promise<void> => {
    for (const member of members) member.device.powerCut();
    await Promise.all(accesses.map((access) => access.close()));
    for (const store of stores) store.close();
    await embedded?.close();
  };

  try {
    for (let index = 0; index < count; index++) {
      const id = fleetDeviceId(prefix, index, count);
      const store = openDeviceFlash(options.stateDir === undefined ? undefined : join(options.stateDir, id), id);
      stores.push(store);
      const provisioned = isBlank(store.flash, partitions);
      if (provisioned) provisionFactoryImage(store.flash, partitions, build.image);
      // With no base, port 80 is whatever the first boot got, then kept: the
      // device reads its port map at every listen, so later boots (an OTA
      // reboot) come back on the same port instead of a new random one.
      const portMap: Record<number, number> = options.httpPortBase !== undefined ? { 80: options.httpPortBase + index } : {};
      const device = new SimDevice({
        id,
        clock,
        flash: store.flash,
        partitions,
        portMap,
        sensors: new SimSensorBoard({ clock, physics: physicsFor(index) }),
        ...(options.modbusReceiveTiming !== undefined ? { modbusReceiveTiming: options.modbusReceiveTiming } : {}),
        ...(options.bootDelayMs !== undefined ? { bootDelayMs: options.bootDelayMs } : {}),
        ...(options.resources !== undefined ? { resources: options.resources } : {}),
        ...(broker !== undefined ? { mqtt: { host: broker.host, port: broker.port } } : {}),
      });
      const member = new Member(index, id, device, store.location, provisioned, portMap);
      members.push(member);
      if (options.modbusTcp !== undefined) {
        const access = await startModbusAccess(device.modbus, clock, {
          tcp: { host: options.modbusTcp.host ?? "127.0.0.1", port: options.modbusTcp.port === 0 ? 0 : options.modbusTcp.port + index },
        });
        accesses.push(access);
        member.modbus = access.tcp === undefined ? undefined : { host: access.tcp.host, port: access.tcp.port };
      }
    }
  } catch (error) {
    await close();
    throw error;
  }
  if (options.powerOn ?? true) for (const member of members) member.device.powerOn();

  const byId = new Map(members.map((member) => [member.id, member]));
  let closed: Promise<void> | undefined;
  return {
    devices: members,
    broker,
    firmware: { version: build.version, imageBytes: build.image.length },
    device(id) {
      const member = byId.get(id);
      if (member === undefined) throw new RangeError(`no device "${id}" in this fleet (${members[0]!.id} … ${members.at(-1)!.id})`);
      return member;
    },
    waitUntilListening(timeoutMs) {
      return waitUntilListening(members, timeoutMs);
    },
    memoryPerDevice() {
      return perDevice(baseline, sampleMemory(), members.length);
    },
    close() {
      closed ??= close();
      return closed;
    },
  };
}

/**
 * The reference room for every device, each with its own noise: identical
 * readings from a hundred devices would hide mixed-up ids in a dashboard or
 * a test. Device 0 keeps the default seeds, so it reads like a lone device.
 */
function physicsFor(index: number): SensorPhysics {
  const physics: SensorPhysics = {};
  for (const [name, spec] of Object.entries(DEFAULT_PHYSICS) as Array<[keyof SensorPhysics, Required<SensorPhysics>[keyof SensorPhysics]]>) {
    physics[name] = { ...spec, seed: (spec.seed ?? 1) + 1000 * index };
  }
  return physics;
}

class Member implements FleetDevice {
  modbus: { host: string; port: number } | undefined;

  constructor(
    readonly index: number,
    readonly id: string,
    readonly device: SimDevice,
    readonly flashLocation: string,
    readonly provisioned: boolean,
    readonly portMap: Record<number, number>,
  ) {
    device.onConsole(() => {
      const bound = device.hostPort(80);
      if (bound !== undefined) portMap[80] = bound;
    });
  }

  get httpPort(): number | undefined {
    return this.device.hostPort(80) ?? this.portMap[80];
  }
}

/**
 * Wall-clock timeout, not the fleet clock: binding a port is real I/O, which
 * a virtual clock the caller advances would not wait for.
 */
function waitUntilListening(members: readonly Member[], timeoutMs: number): Promise<string[]> {
  const waiting = new Set(members.filter((m) => m.device.hostPort(80) === undefined));
  if (waiting.size === 0) return Promise.resolve([]);
  return new Promise((resolve) => {
    const unsubscribe: Array<() => void> = [];
    const finish = (): void => {
      clearTimeout(timer);
      for (const off of unsubscribe) off();
      resolve([...waiting].map((m) => m.id));
    };
    const timer = setTimeout(finish, timeoutMs);
    for (const member of waiting) {
      unsubscribe.push(
        member.device.onConsole(() => {
          if (member.device.hostPort(80) === undefined) return;
          waiting.delete(member);
          if (waiting.size === 0) finish();
        }),
      );
    }
  });
}
