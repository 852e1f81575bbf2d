import { parseArgs } from "node:util";
import { parseTcpEndpoint } from "../serial/modbus-access";
import { parseBrokerUrl } from "../net/broker";
import { FAULTS, parseFault, type FaultTarget } from "../sensors/board";
import { MAX_FLEET_SIZE, fleetDeviceId } from "../fleet/fleet-ids";

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
  /**
   * --fleet N: run N devices; --id is then their prefix, --http-port and
   * --modbus-tcp the first device's port.
   */
  fleet: { count: number; idPrefix: string } | undefined;
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
  --id NAME                 device id (default fieldnode-001); with --fleet, the id prefix
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
  --fleet N                 run N devices (1-${MAX_FLEET_SIZE}) in this process, ids PREFIX-001 ... PREFIX-N
                            (PREFIX: --id, default fieldnode), all on one broker (the
                            embedded one, or --mqtt) and one firmware build, trusting one
                            OTA signing key and one technician key (in --state-dir, or
                            a temporary directory). Each device has its own flash
                            (DIR/<id>/<id>.flash with --state-dir, else in memory), its
                            own HTTP port (--http-port BASE: BASE+0 ... BASE+N-1; default
                            a free port per device, kept across its reboots) and, with
                            --modbus-tcp [HOST:]BASE, its own Modbus port BASE+0 ...
                            (BASE 0: a free port each). Prints a table of the devices
                            and the memory each costs; then only the devices' app and
                            chip lines, prefixed with their id (--quiet: chip lines).
                            --fault applies to every device; --watch prints all their
                            telemetry and the memory per device every 30 s; stdin
                            commands are not read. --modbus-pty is refused: one
                            pseudo-terminal is one serial port, for one device.
  -h, --help                this text
`;

export class UsageError extends Error {}

export function parseSimOptions(argv: readonly string[]): SimOptions | "help" {
  let parsed;
  try {
    parsed = parseArgs({
      args: attachNegativeFleet(argv),
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
        fleet: { type: "string" },
        help: { type: "boolean", short: "h" },
      },
    });
  } catch (error) {
    throw new UsageError(`${error instanceof Error ? error.message : String(error)} (see --help)`);
  }
  const { values } = parsed;
  if (values.help) return "help";
  const fleet = parseFleet(values.fleet, values.id);
  const id = fleet === undefined ? (values.id ?? "fieldnode-001") : fleetDeviceId(fleet.idPrefix, 0, fleet.count);
  if (!/^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$/.test(id)) {
    throw new UsageError(`--id "${values.id}" is not a device id: use letters, digits, '.', '_' or '-' (at most 63)`);
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
  if (fleet !== undefined) {
    const last = fleet.count - 1;
    if (httpPort !== 0 && httpPort + last > 65535) {
      throw new UsageError(`--http-port ${httpPort} with --fleet ${fleet.count} needs ports up to ${httpPort + last}, past 65535`);
    }
    if (modbusTcp !== undefined && modbusTcp.port !== 0 && modbusTcp.port + last > 65535) {
      throw new UsageError(`--modbus-tcp port ${modbusTcp.port} with --fleet ${fleet.count} needs ports up to ${modbusTcp.port + last}, past 65535`);
    }
    if (values["modbus-pty"] !== undefined) {
      throw new UsageError("--modbus-pty cannot be used with --fleet: a pseudo-terminal is one serial line for one device; use --modbus-tcp BASE for a port per device");
    }
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
    fleet,
  };
}

/** parseArgs takes "--fleet -1" for a missing value; hand it over so the count check can say what is wrong. */
function attachNegativeFleet(argv: readonly string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const next = argv[i + 1];
    if (argv[i] === "--fleet" && next !== undefined && /^-\d/.test(next)) {
      out.push(`--fleet=${next}`);
      i++;
    } else {
      out.push(argv[i]!);
    }
  }
  return out;
}

function parseFleet(count: string | undefined, prefix: string | undefined): SimOptions["fleet"] {
  if (count === undefined) return undefined;
  const n = /^\d+$/.test(count) ? Number(count) : Number.NaN;
  if (!Number.isSafeInteger(n) || n < 1 || n > MAX_FLEET_SIZE) {
    throw new UsageError(`--fleet "${count}" must be a number of devices from 1 to ${MAX_FLEET_SIZE}`);
  }
  const idPrefix = prefix ?? "fieldnode";
  if (!/^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(idPrefix) || fleetDeviceId(idPrefix, n - 1, n).length > 63) {
    throw new UsageError(`--id "${idPrefix}" is not a fleet id prefix: use letters, digits, '.', '_' or '-', short enough for "${fleetDeviceId("", n - 1, n)}" after it (ids are at most 63)`);
  }
  return { count: n, idPrefix };
}
