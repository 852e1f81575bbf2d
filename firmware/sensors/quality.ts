/**
 * The quality of a channel's value, as Modbus registers and telemetry carry it.
 * The numeric codes are part of the register map (see docs/sensors.md): never
 * renumber them.
 */
export const Quality = {
  /** A fresh value, inside its range. */
  Ok: 0,
  /** No new value for longer than the channel's stale time, or the value is stuck. */
  Stale: 1,
  /** The sensor answers, but the value is outside the channel's valid range. */
  OutOfRange: 2,
  /** The bus transfer failed while the device still answers its address. */
  BusError: 3,
  /** The device answered, but a checksum did not match. */
  CrcError: 4,
  /** Nothing answers (I2C address not acknowledged, 4–20 mA loop open). */
  Disconnected: 5,
} as const;

export type Quality = (typeof Quality)[keyof typeof Quality];

const NAMES = ["ok", "stale", "out-of-range", "bus-error", "crc-error", "disconnected"] as const;

export type QualityName = (typeof NAMES)[number];

export function qualityName(quality: Quality): QualityName {
  return NAMES[quality];
}

export function qualityFromName(name: string): Quality | undefined {
  const index = (NAMES as readonly string[]).indexOf(name);
  return index < 0 ? undefined : (index as Quality);
}

/** The faults a driver reports by throwing a SensorError. */
export type SensorFault = "bus-error" | "crc-error" | "disconnected";

export function faultQuality(fault: SensorFault): Quality {
  return fault === "crc-error" ? Quality.CrcError : fault === "disconnected" ? Quality.Disconnected : Quality.BusError;
}

/**
 * A driver's failure, classified so the sampling loop can set the channel's
 * quality and count it. Only thrown on faults, never in steady state.
 */
export class SensorError extends Error {
  readonly fault: SensorFault;

  constructor(fault: SensorFault, message: string) {
    super(message);
    this.name = "SensorError";
    this.fault = fault;
  }
}
