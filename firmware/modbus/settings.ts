/**
 * The slave's persisted configuration: address and serial line. Out of the
 * box, the serial line spec's default (§2.5.1: 19200 baud, even parity) at
 * address 1. Without parity the spec asks for two stop bits; that is the
 * default when parity "none" is chosen, and one stop bit (8N1, common though
 * not conforming) can still be set explicitly.
 */
import { SettingsError, type SettingsSection } from "../config/settings";
import type { LineFormat, Parity, StopBits } from "./timing";

export interface ModbusSettings extends LineFormat {
  /** Slave address, 1-247. */
  readonly address: number;
}

export const SUPPORTED_BAUDS: readonly number[] = [1200, 2400, 4800, 9600, 14400, 19200, 38400, 57600, 115200];
export const PARITIES: readonly Parity[] = ["none", "odd", "even"];

export const MODBUS_DEFAULTS: ModbusSettings = { address: 1, baud: 19200, parity: "even", stopBits: 1 };

export function defaultStopBits(parity: Parity): StopBits {
  return parity === "none" ? 2 : 1;
}

export const MODBUS_SETTINGS: SettingsSection<ModbusSettings> = {
  name: "modbus",
  defaults: MODBUS_DEFAULTS,
  validate(value: unknown): ModbusSettings {
    if (typeof value !== "object" || value === null || Array.isArray(value)) throw new SettingsError("modbus: must be an object");
    const v = value as Record<string, unknown>;
    for (const key of Object.keys(v)) {
      if (!["address", "baud", "parity", "stopBits"].includes(key)) throw new SettingsError(`modbus.${key}: unknown field`);
    }
    const address = v.address ?? MODBUS_DEFAULTS.address;
    if (typeof address !== "number" || !Number.isInteger(address) || address < 1 || address > 247) {
      throw new SettingsError(`modbus.address: ${JSON.stringify(address)} is not a slave address (1-247)`);
    }
    const baud = v.baud ?? MODBUS_DEFAULTS.baud;
    if (typeof baud !== "number" || !SUPPORTED_BAUDS.includes(baud)) {
      throw new SettingsError(`modbus.baud: ${JSON.stringify(baud)} is not one of ${SUPPORTED_BAUDS.join(", ")}`);
    }
    const parity = v.parity ?? MODBUS_DEFAULTS.parity;
    if (typeof parity !== "string" || !PARITIES.includes(parity as Parity)) {
      throw new SettingsError(`modbus.parity: ${JSON.stringify(parity)} is not one of ${PARITIES.join(", ")}`);
    }
    const stopBits = v.stopBits ?? defaultStopBits(parity as Parity);
    if (stopBits !== 1 && stopBits !== 2) throw new SettingsError(`modbus.stopBits: ${JSON.stringify(stopBits)} is not 1 or 2`);
    return { address, baud, parity: parity as Parity, stopBits };
  },
};

/** Total boots of this device, kept with the settings. */
export const BOOT_COUNT: SettingsSection<number> = {
  name: "bootCount",
  defaults: 0,
  validate(value: unknown): number {
    if (typeof value !== "number" || !Number.isInteger(value) || value < 0) throw new SettingsError(`bootCount: ${JSON.stringify(value)} is not a count`);
    return value;
  },
};

export function sameLine(a: LineFormat, b: LineFormat): boolean {
  return a.baud === b.baud && a.parity === b.parity && a.stopBits === b.stopBits;
}

export function describeLine(line: LineFormat): string {
  return `${line.baud} ${8}${line.parity === "none" ? "N" : line.parity === "even" ? "E" : "O"}${line.stopBits}`;
}
