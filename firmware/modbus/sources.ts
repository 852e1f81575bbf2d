/**
 * What a register map binds its blocks to. A value source is one live value
 * in engineering units (a sensor reading, a configuration field, a status
 * counter); the map scales and encodes it into registers or bits. Sources
 * are grouped under a name ("device", "config", "ota", later "sensors") and
 * a map entry names both: source "device", point "uptime".
 */

/** Exception codes (application protocol §7), as the map and sources return them. */
export const OK = 0;
export const ILLEGAL_FUNCTION = 1;
export const ILLEGAL_DATA_ADDRESS = 2;
export const ILLEGAL_DATA_VALUE = 3;
export const SERVER_DEVICE_FAILURE = 4;
export const ACKNOWLEDGE = 5;
export const SERVER_DEVICE_BUSY = 6;

export interface ValueSource {
  /** The current value, or undefined while it is invalid (a sensor fault): answered with exception 04. */
  read(): number | undefined;
  /**
   * Present on values a master may write. Returns OK when `value` would be
   * accepted, else the exception to answer (ILLEGAL_DATA_VALUE for a value
   * out of range, SERVER_DEVICE_BUSY while an update conflicts). No effect.
   */
  check?(value: number): number;
  /** Applies a value `check` accepted; returns OK or an exception code. */
  write?(value: number): number;
}

export interface SourceProvider {
  /** One line for the documentation table. */
  readonly description: string;
  readonly points: Readonly<Record<string, ValueSource>>;
}

export type SourceRegistry = Readonly<Record<string, SourceProvider>>;

/** The source name for plain storage blocks, which need no provider. */
export const STORAGE_SOURCE = "storage";

/** A read-only source over a function. */
export function reading(read: () => number | undefined): ValueSource {
  return { read };
}
