/** How a fleet names its devices, and how large it may be. */

/** Above this, a fleet is more likely a typo than a plan (and port ranges run out). */
export const MAX_FLEET_SIZE = 500;

/**
 * `<prefix>-001`, `<prefix>-002`, …: zero-padded so ids sort as the devices
 * are numbered, and so a one-device fleet is `fieldnode-001`, the id a lone
 * `npm start` device has.
 */
export function fleetDeviceId(prefix: string, index: number, count: number): string {
  return `${prefix}-${String(index + 1).padStart(Math.max(3, String(count).length), "0")}`;
}
