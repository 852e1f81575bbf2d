import { SensorError } from "./quality";
import type { I2CIO } from "./io";

const PROBE = new Uint8Array(0);

/**
 * Turns a failed I2C transfer into a classified SensorError. The ECMA-419 I2C
 * error does not say whether the address or a data byte was refused, so the
 * device is probed (a zero-length write, i2c_master_probe on ESP32): a device
 * that still acknowledges its address has a bus error; one that does not is
 * disconnected.
 */
export function i2cFailure(io: I2CIO, what: string, error: unknown): SensorError {
  let present: boolean;
  try {
    present = !io.write(PROBE);
  } catch {
    // The bus itself refused to run a transfer (held line, driver error).
    return new SensorError("bus-error", `${what}: ${describe(error)}; bus unusable`);
  }
  return present
    ? new SensorError("bus-error", `${what}: ${describe(error)}`)
    : new SensorError("disconnected", `${what}: no acknowledge from the device`);
}

/** True when a device acknowledges its address. */
export function i2cPresent(io: I2CIO): boolean {
  try {
    return !io.write(PROBE);
  } catch {
    return false;
  }
}

export function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
