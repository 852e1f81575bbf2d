/**
 * The sensor and telemetry side of `npm start`: the broker (embedded aedes or
 * --mqtt), where to watch it, scheduled --fault injections, stdin commands
 * ("fault sht3x nack", "clear sht3x", "sensors"), and --watch, which prints
 * what the device publishes through the project's own subscriber.
 */
import * as readline from "node:readline";
import type { ScheduledFault } from "../cli/options";
import { qualityName } from "../../firmware/sensors/quality";
import { startEmbeddedBrokerPreferring, type EmbeddedBroker } from "../net/broker";
import { subscribe, type Subscriber } from "../net/subscriber";
import type { SimDevice } from "../device/sim-device";
import { FAULTS, type FaultTarget } from "./board";

export interface SensorConsoleOptions {
  id: string;
  mqtt: { host: string; port: number } | "none" | undefined;
  faults: ScheduledFault[];
  watch: boolean;
  print: (line: string) => void;
  printError: (line: string) => void;
}

export interface SensorConsole {
  /** The broker the device should use, undefined without MQTT. */
  readonly broker: { host: string; port: number } | undefined;
  /** Lines to print at start. */
  readonly lines: string[];
  /** Starts fault schedules, stdin commands and --watch, once the device exists. */
  attach(device: SimDevice): Promise<void>;
  close(): Promise<void>;
}

const TOPIC_PREFIX = "fieldnode";

export async function startSensorConsole(options: SensorConsoleOptions): Promise<SensorConsole> {
  let embedded: EmbeddedBroker | undefined;
  let broker: { host: string; port: number } | undefined;
  const lines: string[] = [];
  if (options.mqtt === undefined) {
    embedded = await startEmbeddedBrokerPreferring(1883);
    broker = { host: embedded.host, port: embedded.port };
    lines.push(`  MQTT: embedded broker (aedes) at ${embedded.url}${embedded.port !== 1883 ? " (1883 was taken)" : ""}; --mqtt URL for another`);
  } else if (options.mqtt !== "none") {
    broker = options.mqtt;
    lines.push(`  MQTT: broker mqtt://${broker.host}:${broker.port}`);
  } else {
    lines.push("  MQTT: off (--mqtt none)");
  }
  if (broker !== undefined) {
    const base = `${TOPIC_PREFIX}/${options.id}`;
    lines.push(`    topics: ${base}/telemetry (JSON, every 10 s and on change), ${base}/status (retained online/offline, will), ${base}/health`);
    lines.push(`    watch:  mosquitto_sub -h ${broker.host} -p ${broker.port} -t '${base}/#' -v`);
  }
  lines.push(`  sensors: SHT3x 0x44 + BMP280 0x76 on I2C (GPIO 21/22), 4-20 mA loop on GPIO 36; type "help" for fault commands`);

  const timers: NodeJS.Timeout[] = [];
  let rl: readline.Interface | undefined;
  let watcher: Subscriber | undefined;

  return {
    broker,
    lines,
    async attach(device: SimDevice) {
      const board = device.sensors;
      const apply = (target: FaultTarget, fault: string | undefined, on: boolean): string => {
        if (on) board.inject(target, fault!);
        else board.clear(target, fault);
        return `sensors: ${on ? "injected" : "cleared"} ${target}${fault ? `=${fault}` : " faults"}; active: ${board.active().join(", ") || "none"}`;
      };
      for (const f of options.faults) {
        timers.push(setTimeout(() => options.print(apply(f.target, f.fault, true)), f.at * 1000));
        if (f.duration !== undefined) timers.push(setTimeout(() => options.print(apply(f.target, f.fault, false)), (f.at + f.duration) * 1000));
      }
      if (process.stdin.isTTY || process.env.FIELDNODE_COMMANDS === "1") {
        rl = readline.createInterface({ input: process.stdin, terminal: false });
        rl.on("line", (text) => {
          const [command, target, fault] = text.trim().split(/\s+/);
          try {
            if (command === "fault" && target) options.print(apply(target as FaultTarget, fault, true));
            else if (command === "clear" && target) options.print(apply(target as FaultTarget, fault, false));
            else if (command === "sensors") for (const line of describeSensors(device)) options.print(line);
            else if (command === "help" || command === "?") {
              options.print('commands: fault TARGET FAULT, clear TARGET [FAULT], sensors');
              for (const [t, faults] of Object.entries(FAULTS)) options.print(`  ${t}: ${Object.entries(faults).map(([n, d]) => `${n} (${d})`).join("; ")}`);
            } else if (command) options.printError(`unknown command "${text.trim()}"; type help`);
          } catch (error) {
            options.printError(error instanceof Error ? error.message : String(error));
          }
        });
      }
      if (options.watch && broker !== undefined) {
        watcher = await subscribe({ host: broker.host, port: broker.port, topics: [`${TOPIC_PREFIX}/${options.id}/#`] });
        watcher.onMessage((m) => options.print(`mqtt ${m.topic}${m.retain ? " (retained)" : ""} ${m.payload}`));
      }
    },
    async close() {
      for (const timer of timers) clearTimeout(timer);
      rl?.close();
      if (rl) process.stdin.pause();
      await watcher?.close();
      await embedded?.close();
    },
  };
}

/** One line per channel: value, unit, quality; one per sensor in a fault. */
export function describeSensors(device: SimDevice): string[] {
  const loop = device.app?.sensors;
  if (loop === undefined) return ["sensors: the firmware is not running"];
  const out = loop.channels.map((c) => `  ${c.name.padEnd(17)} ${Number.isNaN(c.value) ? "-" : c.value.toFixed(3)} ${c.unit} ${qualityName(c.quality)}`);
  for (const s of loop.sensors) {
    if (s.fault !== undefined) out.push(`  ${s.name}: ${s.fault} (${s.lastError}), ${s.consecutiveFailures} failed attempts`);
  }
  out.push(`  faults injected: ${device.sensors.active().join(", ") || "none"}`);
  return out;
}
