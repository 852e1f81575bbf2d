import { parseArgs } from "node:util";
import { parseTcpEndpoint } from "../serial/modbus-access";
import { parseBrokerUrl } from "../net/broker";
import { FAULTS, parseFault, type FaultTarget } from "../sensors/board";

export interface SimOptions {
  id: string;
  stateDir: string | undefined;
  firmwareVersion: string | undefined;
  duration: number | undefined;
  quiet: boolean;
  /** Host port for the device's HTTP port 80 (PUT /ota); 0 = any free port. */
  httpPort: number;
  /** --modbus-pty: where to link the pseudo-terminal. */
  modbusPty: string | undefined;
  /** --modbus-tcp: where to serve RTU over TCP. */
  modbusTcp: { host: string; port: number } | undefined;
  /** --register-map: a register map file for the firmware. */
  registerMap: string | undefined;
  /** --mqtt: the broker for telemetry; undefined = the embedded one; "none" = no MQTT. */
  mqtt: { host: string; port: number } | "none" | undefined;
  /** --fault: sensor faults to inject, at a time and for a while. */
  faults: ScheduledFault[];
  /** --watch: print the telemetry the device publishes. */
  watch: boolean;
}

export interface ScheduledFault {
  target: FaultTarget;
  fault: string;
  /** Seconds after start. */
  at: number;
  /** Seconds; undefined = until cleared by hand. */
  duration: number | undefined;
}

export const USAGE = `usage: npm start -- [options]

Runs one simulated fieldnode device: the firmware image in its simulated flash
boots through an ESP-IDF-style bootloader, in real time.

options:
  --id NAME                 device id (default fieldnode-001)
  --state-dir DIR           keep the device's flash in DIR/<id>.flash between runs;
                            without it the flash lives in memory and every run is a
                            factory-new device
  --firmware-version X.Y.Z  version of the image provisioned on a blank flash
                            (default: package.json version)
  --http-port PORT          serve the device's HTTP port 80 (PUT /ota, GET /ota) on this
                            port of 127.0.0.1 (default: any free port, printed at start)
  --modbus-pty PATH         expose the device's Modbus RS-485 port on a pseudo-terminal
                            linked at PATH, for mbpoll, pymodbus or any serial master
                            (needs socat)
  --modbus-tcp [HOST:]PORT  serve the Modbus port as RTU over TCP (RTU frames, no MBAP
                            header) on HOST (default 127.0.0.1); PORT 0 picks a free one
  --register-map FILE       serve this register map (JSON, see docs/modbus.md) instead
                            of the default one
  --mqtt URL                publish telemetry to this broker (mqtt://host[:port]) instead
                            of the embedded one (aedes on 127.0.0.1:1883, or a free port
                            when 1883 is taken); --mqtt none runs without MQTT
  --watch                   print the telemetry the device publishes
  --fault TARGET=FAULT[@AT[+FOR]]
                            inject a sensor fault AT seconds after start (default 0) for
                            FOR seconds (default: until cleared); repeatable.
                            sht3x: ${Object.keys(FAULTS.sht3x).join(", ")}
                            bmp280: ${Object.keys(FAULTS.bmp280).join(", ")}
                            loop: ${Object.keys(FAULTS.loop).join(", ")}
                            While running, type "fault sht3x nack", "clear sht3x",
                            "sensors" or "help" on stdin.
  --duration SECONDS        stop after this long (default: run until Ctrl-C)
  --quiet                   print only the startup summary and errors
  -h, --help                this text
`;

export class UsageError extends Error {}

export function parseSimOptions(argv: readonly string[]): SimOptions | "help" {
  let parsed;
  try {
    parsed = parseArgs({
      args: [...argv],
      strict: true,
      allowPositionals: false,
      options: {
        id: { type: "string" },
        "state-dir": { type: "string" },
        "firmware-version": { type: "string" },
        duration: { type: "string" },
        "http-port": { type: "string" },
        "modbus-pty": { type: "string" },
        "modbus-tcp": { type: "string" },
        "register-map": { type: "string" },
        mqtt: { type: "string" },
        fault: { type: "string", multiple: true },
        watch: { type: "boolean" },
        quiet: { type: "boolean" },
        help: { type: "boolean", short: "h" },
      },
    });
  } catch (error) {
    throw new UsageError(`${error instanceof Error ? error.message : String(error)} (see --help)`);
  }
  const { values } = parsed;
  if (values.help) return "help";
  const id = values.id ?? "fieldnode-001";
  if (!/^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$/.test(id)) {
    throw new UsageError(`--id "${id}" is not a device id: use letters, digits, '.', '_' or '-' (at most 63)`);
  }
  const version = values["firmware-version"];
  if (version !== undefined && !/^\d+\.\d+\.\d+(?:-[0-9A-Za-z.-]+)?$/.test(version)) {
    throw new UsageError(`--firmware-version "${version}" is not a semantic version like 1.2.3`);
  }
  let duration: number | undefined;
  if (values.duration !== undefined) {
    duration = Number(values.duration);
    if (!Number.isFinite(duration) || duration <= 0) {
      throw new UsageError(`--duration "${values.duration}" must be a positive number of seconds`);
    }
  }
  const httpPort = values["http-port"] === undefined ? 0 : Number(values["http-port"]);
  if (!Number.isInteger(httpPort) || httpPort < 0 || httpPort > 65535) {
    throw new UsageError(`--http-port "${values["http-port"]}" must be a TCP port number from 0 to 65535`);
  }
  let modbusTcp: SimOptions["modbusTcp"];
  if (values["modbus-tcp"] !== undefined) {
    modbusTcp = parseTcpEndpoint(values["modbus-tcp"]);
    if (modbusTcp === undefined) throw new UsageError(`--modbus-tcp "${values["modbus-tcp"]}" must be PORT or HOST:PORT, with a port from 0 to 65535`);
  }
  let mqtt: SimOptions["mqtt"];
  if (values.mqtt === "none") mqtt = "none";
  else if (values.mqtt !== undefined) {
    try {
      mqtt = parseBrokerUrl(values.mqtt);
    } catch (error) {
      throw new UsageError(`--mqtt: ${error instanceof Error ? error.message : String(error)}`);
    }
  }
  const faults = (values.fault ?? []).map((text): ScheduledFault => {
    const match = /^([^@]+)(?:@(\d+(?:\.\d+)?)(?:\+(\d+(?:\.\d+)?))?)?$/.exec(text);
    if (match === null) throw new UsageError(`--fault "${text}" is not TARGET=FAULT[@AT[+FOR]], e.g. sht3x=disconnect@20+15`);
    try {
      const { target, fault } = parseFault(match[1]!);
      return { target, fault, at: Number(match[2] ?? 0), duration: match[3] === undefined ? undefined : Number(match[3]) };
    } catch (error) {
      throw new UsageError(`--fault: ${error instanceof Error ? error.message : String(error)}`);
    }
  });
  return {
    id,
    stateDir: values["state-dir"],
    firmwareVersion: version,
    duration,
    quiet: values.quiet ?? false,
    httpPort,
    modbusPty: values["modbus-pty"],
    modbusTcp,
    registerMap: values["register-map"],
    mqtt,
    faults,
    watch: values.watch ?? false,
  };
}
