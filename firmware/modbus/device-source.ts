/**
 * Device status as register values: uptime, firmware version, boot history,
 * and the slave's own communication counters.
 */
import type { BootControl, ImageState, ResetReason } from "../boot/boot-control";
import type { Clock } from "../host/timer";
import { versionParts } from "./ota-status";
import { COUNTER_NAMES, type ModbusServer } from "./server";
import type { SourceProvider, ValueSource } from "./sources";

export interface DeviceStatusInputs {
  clock: Clock;
  boot: BootControl;
  version: string;
  bootCount: () => number;
  server: () => ModbusServer;
}

/** esp_ota_img_states_t numbering; UNDEFINED (0xFFFFFFFF) reads as 0xFFFF. */
const IMAGE_STATE_CODES: Readonly<Record<ImageState, number>> = {
  new: 0,
  "pending-verify": 1,
  valid: 2,
  invalid: 3,
  aborted: 4,
  undefined: 0xffff,
};

/** esp_reset_reason_t numbering. */
const RESET_REASON_CODES: readonly ResetReason[] = [
  "unknown",
  "power-on",
  "external",
  "software",
  "panic",
  "interrupt-watchdog",
  "task-watchdog",
  "other-watchdog",
  "deep-sleep",
  "brownout",
];

/** "ota_1" → 1; a label without a number (factory) → 0xFFFF. */
function slotNumber(label: string): number {
  const match = /(\d+)$/.exec(label);
  return match === null ? 0xffff : Number(match[1]);
}

export function deviceSource(inputs: DeviceStatusInputs): SourceProvider {
  const { clock, boot, server } = inputs;
  const [major, minor, patch] = versionParts(inputs.version);
  let slot: number | undefined;
  const points: Record<string, ValueSource> = {
    uptime: { read: () => Math.floor(clock.ticks() / 1000) },
    "version.major": { read: () => major },
    "version.minor": { read: () => minor },
    "version.patch": { read: () => patch },
    "boot.count": { read: () => inputs.bootCount() },
    "boot.slot": {
      // The running slot does not change while the firmware runs.
      read: () => (slot ??= slotNumber(boot.runningSlot())),
    },
    "boot.imageState": { read: () => IMAGE_STATE_CODES[boot.imageState()] },
    "boot.resetReason": { read: () => Math.max(0, RESET_REASON_CODES.indexOf(boot.resetReason())) },
    "boot.valid": { read: () => (boot.imageState() === "valid" ? 1 : 0) },
    "boot.pendingVerify": { read: () => (boot.imageState() === "pending-verify" ? 1 : 0) },
    "modbus.events": { read: () => server().eventCount },
  };
  COUNTER_NAMES.forEach((name, index) => {
    points[`modbus.${name}`] = { read: () => server().counters[index]! };
  });
  return { description: "device status: uptime, firmware, boot history, Modbus counters", points };
}
