/**
 * What the OTA and command tools share on the command line: the broker, the
 * topic prefix, the wait for a device, the technician key, and connecting,
 * each failing with the exit code it deserves (2 for a wrong flag, 3 for a
 * broker that cannot be reached).
 */
import { DeviceWatch } from "../../commands/device-watch";
import { parseTechnicianKey, type TechnicianKey } from "../../commands/technician-key";
import { checkDeviceId, checkPrefix, DEFAULT_PREFIX } from "../../commands/topics";
import { KeyFileError } from "../../keys/key-files";
import { BrokerUnreachableError, connectBroker, type BrokerConnection } from "../../mqtt/broker-connection";
import { DEFAULT_BROKER, parseBrokerAddress, type BrokerAddress } from "../../mqtt/broker-url";
import { CliError, EXIT } from "../command";
import { readInput, required } from "./parse-options";

/** util.parseArgs options every broker tool takes. */
export const BROKER_OPTIONS = {
  broker: { type: "string", default: DEFAULT_BROKER },
  prefix: { type: "string", default: DEFAULT_PREFIX },
  json: { type: "boolean", default: false },
} as const;

export const BROKER_USAGE = `  --broker URL       the MQTT broker (default ${DEFAULT_BROKER}; mqtts:// for TLS,
                     mqtt://USER:PASSWORD@HOST:PORT when it wants a login)
  --prefix P         topic prefix, the devices' telemetry.prefix (default ${DEFAULT_PREFIX})`;

export function brokerOption(command: string, text: string | undefined): BrokerAddress {
  const address = parseBrokerAddress(text ?? DEFAULT_BROKER);
  if (typeof address === "string") throw new CliError(`--broker: ${address}; see 'fieldnode ${command} --help'`, EXIT.usage);
  return address;
}

export function prefixOption(text: string | undefined): string {
  const prefix = text ?? DEFAULT_PREFIX;
  const problem = checkPrefix(prefix);
  if (problem !== undefined) throw new CliError(problem, EXIT.usage);
  return prefix;
}

export function deviceOption(command: string, text: string | undefined): string {
  const id = required(command, text, "--device ID");
  const problem = checkDeviceId(id);
  if (problem !== undefined) throw new CliError(`--device: ${problem}`, EXIT.usage);
  return id;
}

/** A positive number of seconds (fractions allowed, for tests and slow links alike). */
export function secondsOption(command: string, flag: string, text: string | undefined, fallback: number): number {
  if (text === undefined) return fallback;
  const value = Number(text);
  if (!/^\d+(\.\d+)?$/.test(text) || value <= 0 || value > 86_400) {
    throw new CliError(`${flag} takes seconds, more than 0 and at most 86400, got "${text}"; see 'fieldnode ${command} --help'`, EXIT.usage);
  }
  return value;
}

export function loadTechnicianKey(command: string, path: string | undefined): TechnicianKey {
  const keyPath = required(command, path, "--key TECHNICIAN.pem");
  const text = readInput(keyPath, "key").toString("utf8");
  try {
    return parseTechnicianKey(text, keyPath);
  } catch (error) {
    if (error instanceof KeyFileError) throw new CliError(error.message, EXIT.usage);
    throw error;
  }
}

/** Connecting gets 10 to 30 s, following --timeout: a short wait for a device is no reason to give a distant broker less. */
export async function connect(broker: BrokerAddress, timeoutS = 10): Promise<BrokerConnection> {
  try {
    return await connectBroker(broker, { timeoutMs: Math.min(Math.max(timeoutS, 10), 30) * 1000 });
  } catch (error) {
    if (error instanceof BrokerUnreachableError) throw new CliError(error.message, EXIT.io);
    throw error;
  }
}

/** Connects, watches `scope`, runs `body`, and always disconnects. */
export async function withDevices<T>(
  broker: BrokerAddress,
  prefix: string,
  scope: readonly string[] | "all",
  timeoutS: number,
  body: (connection: BrokerConnection, watch: DeviceWatch) => Promise<T>,
): Promise<T> {
  const connection = await connect(broker, timeoutS);
  let watch: DeviceWatch | undefined;
  try {
    watch = await DeviceWatch.start(connection, prefix, scope);
    return await body(connection, watch);
  } finally {
    watch?.close();
    await connection.close();
  }
}

/** Whether output goes to a terminal that can redraw a line. */
export function isTerminal(): boolean {
  return process.stdout.isTTY === true && process.env.TERM !== "dumb";
}
