/**
 * Modbus exception codes by name (application protocol v1.1b3 §7), for
 * messages a technician reads: "exception 02 illegal data address".
 */
const NAMES: Readonly<Record<number, string>> = {
  0x01: "illegal function",
  0x02: "illegal data address",
  0x03: "illegal data value",
  0x04: "server device failure",
  0x05: "acknowledge",
  0x06: "server device busy",
  0x08: "memory parity error",
  0x0a: "gateway path unavailable",
  0x0b: "gateway target device failed to respond",
};

/** The spec's name for `code`, or "unknown exception" for codes it does not define. */
export function exceptionName(code: number): string {
  return NAMES[code] ?? "unknown exception";
}

/** "exception 02 illegal data address": the code in hex, as the spec and slave manuals print it. */
export function describeException(code: number): string {
  return `exception ${code.toString(16).padStart(2, "0")} ${exceptionName(code)}`;
}
