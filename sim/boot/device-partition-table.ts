/**
 * The partition table the device is built with. The simulator reads the very
 * CSV that mcconfig hands to ESP-IDF, so a change to the layout reaches both.
 */
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { parsePartitionTable, type PartitionTable } from "./partition-table";

export const DEVICE_PARTITIONS_CSV: string = fileURLToPath(
  new URL("../../firmware/platform/esp32/sdkconfig/partitions.csv", import.meta.url),
);

export function loadDevicePartitionTable(): PartitionTable {
  return parsePartitionTable(readFileSync(DEVICE_PARTITIONS_CSV, "utf8"), { source: DEVICE_PARTITIONS_CSV });
}
