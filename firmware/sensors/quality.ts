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
  /** Nothing answers (I2C address not acknowledged, 4–20 mA loop open), or something other than the expected chip does. */
  Disconnected: 5,
  /** The device answers and reports a failure of its own (a 4–20 mA transmitter at or above 21 mA, NAMUR NE 43). */
  Failure: 6,
} as const;

export type Quality = (typeof Quality)[keyof typeof Quality];

const NAMES = ["ok", "stale", "out-of-range", "bus-error", "crc-error", "disconnected", "failure"] as const;

export type QualityName = (typeof NAMES)[number];

export function qualityName(quality: Quality): QualityName {
  return NAMES[quality];
}

export function qualityFromName(name: string): Quality | undefined {
  const index = (NAMES as readonly string[]).indexOf(name);
  return index < 0 ? undefined : (index as Quality);
}

/**
 * The faults a driver reports by throwing a SensorError. "wrong-device": a
 * chip answers the address but identifies as something else, which no retry
 * will fix, so it is told apart from a bus error; its channels show
 * "disconnected" (the expected device is not there). "failure": the device
 * itself signals a failure (NE 43 high alarm).
 */
export type SensorFault = "bus-error" | "crc-error" | "disconnected" | "wrong-device" | "failure";

export function faultQuality(fault: SensorFault): Quality {
  switch (fault) {
    case "crc-error":
      return Quality.CrcError;
    case "disconnected":
    case "wrong-device":
      return Quality.Disconnected;
    case "failure":
      return Quality.Failure;
    default:
      return Quality.BusError;
  }
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
