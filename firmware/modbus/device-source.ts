/**
 * Device status as register values: uptime, firmware version, boot history,
 * and the slave's own communication counters.
 */
import { imageStateCode, resetReasonCode, type BootControl } from "../boot/boot-control";
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
    // One register: esp_ota_img_states_t with UNDEFINED (0xFFFFFFFF) cut to 0xFFFF.
    "boot.imageState": { read: () => imageStateCode(boot.imageState()) & 0xffff },
    "boot.resetReason": { read: () => resetReasonCode(boot.resetReason()) },
    "boot.valid": { read: () => (boot.imageState() === "valid" ? 1 : 0) },
    "boot.pendingVerify": { read: () => (boot.imageState() === "pending-verify" ? 1 : 0) },
    "modbus.events": { read: () => server().eventCount },
  };
  COUNTER_NAMES.forEach((name, index) => {
    points[`modbus.${name}`] = { read: () => server().counters[index]! };
  });
  return { description: "device status: uptime, firmware, boot history, Modbus counters", points };
}
