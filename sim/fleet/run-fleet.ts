/**
 * `npm start -- --fleet N`: the fleet in real time, for people and tools
 * outside this process. Prints where each device is reachable, the shared
 * broker and keys, and what a device costs in memory; then the devices' own
 * lines, each prefixed with its id, until Ctrl-C or --duration.
 */
import { UsageError, type SimOptions } from "../cli/options";
import { RealClock } from "../clock/real-clock";
import { devKeyDir, ensureDevSigningKey, ensureDevTechnicianKey } from "../device/dev-signing-key";
import type { ConsoleLine } from "../device/sim-device";
import { startEmbeddedBrokerPreferring, type EmbeddedBroker } from "../net/broker";
import { subscribe, type Subscriber } from "../net/subscriber";
import { startFleet, type Fleet, type FleetDevice } from "./fleet";
import { formatFleetTable, type FleetRow } from "./fleet-table";
import { formatMemoryPerDevice } from "./memory";

const TOPIC_PREFIX = "fieldnode";
/** Devices boot one after another on one thread; a slow machine with 500 of them still gets there. */
const LISTEN_TIMEOUT_MS = 60_000;
/** Lets the devices connect to the broker before memory is measured, so their MQTT sessions count. */
const SETTLE_MS = 1_000;
const WATCH_MEMORY_EVERY_MS = 30_000;

export interface FleetCliOptions extends SimOptions {
  fleet: NonNullable<SimOptions["fleet"]>;
}

export async function runFleet(options: FleetCliOptions, resources: Record<string, Uint8Array> | undefined): Promise<number> {
  const { count, idPrefix } = options.fleet;
  const keyDir = devKeyDir(options.stateDir, idPrefix);
  const key = ensureDevSigningKey(keyDir);
  const technician = ensureDevTechnicianKey(keyDir);

  let embedded: EmbeddedBroker | undefined;
  if (options.mqtt === undefined) embedded = await startEmbeddedBrokerPreferring(1883);
  const clock = new RealClock();
  let fleet: Fleet;
  try {
    fleet = await startFleet({
      count,
      clock,
      idPrefix,
      mqtt: embedded ?? options.mqtt ?? "none",
      ...(options.stateDir !== undefined ? { stateDir: options.stateDir } : {}),
      ...(options.firmwareVersion !== undefined ? { version: options.firmwareVersion } : {}),
      trustedKeys: [key.publicFile],
      technicianKeys: [technician.publicFile],
      ...(options.httpPort !== 0 ? { httpPortBase: options.httpPort } : {}),
      ...(options.modbusTcp !== undefined ? { modbusTcp: options.modbusTcp } : {}),
      ...(resources !== undefined ? { resources } : {}),
      // Real time cannot place characters to the microsecond: the UART hands
      // bytes over in bursts, as the ESP32's does.
      modbusReceiveTiming: "burst",
    });
  } catch (error) {
    await embedded?.close();
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "EADDRINUSE" || code === "EACCES" || error instanceof RangeError) {
      throw new UsageError(error instanceof Error ? error.message : String(error));
    }
    throw error;
  }

  const provisioned = fleet.devices.filter((d) => d.provisioned).length;
  if (provisioned > 0) {
    console.log(`provisioned ${provisioned} blank flash${provisioned === 1 ? "" : "es"} with fieldnode ${fleet.firmware.version} in ota_0 (${fleet.firmware.imageBytes} bytes)`);
  }
  if (provisioned < count && options.firmwareVersion !== undefined) {
    console.log(`--firmware-version ignored for the ${count - provisioned} devices whose flash already holds firmware`);
  }
  const first = fleet.devices[0]!;
  const last = fleet.devices.at(-1)!;
  const where = options.stateDir === undefined ? "flash in memory" : `flash in ${options.stateDir}/<id>/<id>.flash`;
  console.log(`fieldnode simulator: fleet of ${count} device${count === 1 ? "" : "s"} (${first.id}${count > 1 ? ` ... ${last.id}` : ""}), ${where}`);

  const waiting = await fleet.waitUntilListening(LISTEN_TIMEOUT_MS);
  for (const line of formatFleetTable(fleet.devices.map(row))) console.log(line);
  for (const id of waiting) {
    const lastLine = fleet.device(id).device.console.at(-1);
    console.log(`  ${id}: no HTTP port yet${lastLine ? `; last line: ${lastLine.text}` : ""}`);
  }
  if (fleet.broker !== undefined) {
    const b = fleet.broker;
    const taken = embedded !== undefined && b.port !== 1883 ? " (1883 was taken)" : "";
    console.log(`  MQTT: ${embedded !== undefined ? "embedded broker (aedes)" : "broker"} ${b.url}${taken}; every device is client <id>`);
    console.log(`    topics: ${TOPIC_PREFIX}/<id>/telemetry, ${TOPIC_PREFIX}/<id>/status (retained online/offline), ${TOPIC_PREFIX}/<id>/health`);
    console.log(`    watch:  mosquitto_sub -h ${b.host} -p ${b.port} -t '${TOPIC_PREFIX}/+/status' -v`);
  } else {
    console.log("  MQTT: off (--mqtt none)");
  }
  console.log(`  OTA signing key (trusted by every device): ${key.privatePath}${key.created ? " (new)" : ""}`);
  console.log(`  technician key (every device obeys its signed commands): ${technician.privatePath}${technician.created ? " (new)" : ""}`);

  await new Promise((resolve) => setTimeout(resolve, SETTLE_MS));
  console.log(`  ${formatMemoryPerDevice(fleet.memoryPerDevice())}`);
  console.log(`  Ctrl-C to power off${options.stateDir ? " (the flash files keep their state)" : ""}`);

  for (const member of fleet.devices) {
    member.device.onConsole((line) => {
      if (line.source === "chip" || (!options.quiet && line.source === "app")) console.log(formatLine(member.id, line));
    });
  }

  const timers: NodeJS.Timeout[] = [];
  for (const f of options.faults) {
    const apply = (on: boolean): void => {
      for (const member of fleet.devices) {
        if (on) member.device.sensors.inject(f.target, f.fault);
        else member.device.sensors.clear(f.target, f.fault);
      }
      console.log(`sensors: ${on ? "injected" : "cleared"} ${f.target}=${f.fault} on all ${count} devices`);
    };
    timers.push(setTimeout(() => apply(true), f.at * 1000));
    if (f.duration !== undefined) timers.push(setTimeout(() => apply(false), (f.at + f.duration) * 1000));
  }
  let watcher: Subscriber | undefined;
  if (options.watch) {
    if (fleet.broker !== undefined) {
      watcher = await subscribe({ host: fleet.broker.host, port: fleet.broker.port, topics: [`${TOPIC_PREFIX}/+/#`] });
      watcher.onMessage((m) => console.log(`mqtt ${m.topic}${m.retain ? " (retained)" : ""} ${m.payload}`));
    }
    const memory = setInterval(() => console.log(formatMemoryPerDevice(fleet.memoryPerDevice())), WATCH_MEMORY_EVERY_MS);
    timers.push(memory);
  }

  await new Promise<void>((resolve) => {
    let timer: NodeJS.Timeout | undefined;
    const stop = (): void => {
      if (timer !== undefined) clearTimeout(timer);
      process.off("SIGINT", stop);
      process.off("SIGTERM", stop);
      resolve();
    };
    process.once("SIGINT", stop);
    process.once("SIGTERM", stop);
    if (options.duration !== undefined) timer = setTimeout(stop, options.duration * 1000);
  });
  for (const timer of timers) clearTimeout(timer);
  await watcher?.close();
  const running = fleet.devices.filter((d) => d.device.state === "running").length;
  await fleet.close();
  await embedded?.close();
  console.log(`powered off ${count} device${count === 1 ? "" : "s"} (${running} were running)`);
  return 0;
}

function row(member: FleetDevice): FleetRow {
  const boot = member.device.lastBoot;
  const port = member.httpPort;
  return {
    id: member.id,
    modbus: member.modbus,
    http: port === undefined ? undefined : { host: "127.0.0.1", port },
    state: member.device.state === "running" && boot !== undefined ? `${boot.version} ${boot.slot}` : member.device.state,
  };
}

function formatLine(id: string, line: ConsoleLine): string {
  return `[${(line.time / 1000).toFixed(3).padStart(9)}] ${id} ${line.source.padEnd(4)} ${line.text}`;
}
