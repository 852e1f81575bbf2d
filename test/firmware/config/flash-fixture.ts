import type { FlashStorage } from "../../../firmware/host/storage";
import { loadDevicePartitionTable } from "../../../sim/boot/device-partition-table";
import { NorFlash } from "../../../sim/flash/nor-flash";
import { PowerDomain } from "../../../sim/device/power-domain";
import { createFlashStorage } from "../../../sim/io/flash-storage";

/** The device's flash and partition table, as firmware code opens it. */
export function deviceFlash(): { flash: NorFlash; storage: FlashStorage } {
  const table = loadDevicePartitionTable();
  const flash = new NorFlash({ size: 4 * 1024 * 1024 });
  const [ota0, ota1] = table.otaSlots();
  const domain = new PowerDomain((error) => {
    throw error;
  });
  const storage = createFlashStorage(flash, table, { running: () => ota0!, nextUpdate: () => ota1! }, domain);
  return { flash, storage };
}
