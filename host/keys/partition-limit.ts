/**
 * The largest payload a device can take: its smallest OTA app slot, read
 * from the partitions.csv the device is built with, so `fieldnode sign`
 * refuses what the device would refuse (TOO_LARGE) before it is shipped.
 */
import { loadDevicePartitionTable } from "../../sim/boot/device-partition-table";
import { isOtaApp } from "../../sim/boot/partition-table";

export function appSlotSize(): number {
  const slots = loadDevicePartitionTable().entries.filter(isOtaApp);
  if (slots.length === 0) throw new Error("partitions.csv has no OTA app slot");
  return Math.min(...slots.map((slot) => slot.size));
}
