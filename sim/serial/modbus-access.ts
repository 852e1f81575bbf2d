/**
 * `npm start`'s Modbus options: a register map file for the firmware, and
 * the device's RS-485 bus reachable from outside, on a pseudo-terminal
 * (--modbus-pty) and as RTU over TCP (--modbus-tcp), both through one gateway.
 */
import { readFileSync } from "node:fs";
import { describeSources, REGISTER_MAP_RESOURCE } from "../../firmware/modbus/modbus";
import { parseRegisterMapJson } from "../../firmware/modbus/map-schema";
import { compileRegisterMap } from "../../firmware/modbus/register-map";
import { SENSORS_SOURCE, describeSensorSource } from "../../firmware/sensors/modbus-source";
import { MODBUS_DEFAULTS } from "../../firmware/modbus/settings";
import type { SimClock } from "../clock/sim-clock";
import { RtuGateway } from "./gateway";
import type { ModbusBus } from "./modbus-board";
import { exposeOnPty, type ModbusPty } from "./pty";
import { serveRtuOverTcp, type RtuTcpServer } from "./tcp";

/**
 * Reads and checks a map file against this firmware's sources; returns the
 * resources to give the device. Throws with the offending entry named.
 */
export function loadRegisterMapFile(path: string): Record<string, Uint8Array> {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (error) {
    throw new Error(`--register-map ${path}: ${error instanceof Error ? error.message : String(error)}`);
  }
  try {
    compileRegisterMap(parseRegisterMapJson(text), describeSources({ [SENSORS_SOURCE]: describeSensorSource() }));
  } catch (error) {
    throw new Error(`--register-map ${path}: ${error instanceof Error ? error.message : String(error)}`);
  }
  return { [REGISTER_MAP_RESOURCE]: new TextEncoder().encode(text) };
}

/** "1502", "0.0.0.0:1502" or "[::1]:1502". */
export function parseTcpEndpoint(text: string): { host: string; port: number } | undefined {
  const match = /^(?:(\[[^\]]+\]|[^:]+):)?(\d+)$/.exec(text);
  if (match === null) return undefined;
  const port = Number(match[2]);
  if (!Number.isInteger(port) || port < 0 || port > 65535) return undefined;
  return { host: (match[1] ?? "127.0.0.1").replace(/^\[|\]$/g, ""), port };
}

export interface ModbusAccess {
  /** What to print at start: where to connect. */
  readonly lines: readonly string[];
  readonly gateway: RtuGateway;
  readonly pty: ModbusPty | undefined;
  readonly tcp: RtuTcpServer | undefined;
  close(): Promise<void>;
}

export async function startModbusAccess(
  bus: ModbusBus,
  clock: SimClock,
  options: { pty?: string; tcp?: { host: string; port: number }; address?: number; onError?: (message: string) => void },
): Promise<ModbusAccess> {
  const gateway = new RtuGateway({ line: bus.line, clock, format: () => bus.format() });
  const lines: string[] = [];
  let tcp: RtuTcpServer | undefined;
  let pty: ModbusPty | undefined;
  const address = options.address ?? MODBUS_DEFAULTS.address;
  try {
    if (options.tcp !== undefined) {
      tcp = await serveRtuOverTcp(gateway, options.tcp);
      lines.push(
        `  Modbus RTU over TCP: ${tcp.host}:${tcp.port}   (RTU frames, no MBAP header: pymodbus ModbusTcpClient(framer=ModbusRtuFramer), modbus-serial connectTelnet)`,
      );
    }
    if (options.pty !== undefined) {
      pty = await exposeOnPty(gateway, options.pty, { onExit: (message) => options.onError?.(message) });
      const line = bus.format();
      const parity = line.parity === "none" ? "none" : line.parity;
      lines.push(
        `  Modbus RTU on a pty: ${pty.link} -> ${pty.device} (socat); the device's address and line settings apply (see its "modbus:" line)`,
        `    e.g. mbpoll -m rtu -a ${address} -b ${line.baud} -P ${parity}${line.stopBits === 2 ? " -s 2" : ""} -t 3 -r 1 -c 10 -1 ${pty.link}`,
      );
    }
  } catch (error) {
    await pty?.close();
    await tcp?.close();
    gateway.close();
    throw error;
  }
  return {
    lines,
    gateway,
    pty,
    tcp,
    async close() {
      await pty?.close();
      await tcp?.close();
      gateway.close();
    },
  };
}
