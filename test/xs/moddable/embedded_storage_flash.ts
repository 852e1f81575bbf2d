import partitionsCsv from "../../../firmware/platform/esp32/sdkconfig/partitions.csv";
import { parsePartitionTable } from "../../../sim/boot/partition-table";
import { NorFlash } from "../../../sim/flash/nor-flash";
import { createFlashStorage } from "../../../sim/io/flash-storage";
import { domain } from "./probe";

/** `embedded:storage/flash` over a blank 4 MiB flash laid out by the device's partitions.csv. */
export const table = parsePartitionTable(partitionsCsv);
const [ota0, ota1] = table.otaSlots();
export const flashChip = new NorFlash({ size: 4 * 1024 * 1024 });
const flash = createFlashStorage(flashChip, table, { running: () => ota0!, nextUpdate: () => ota1! }, domain);
export default flash;
