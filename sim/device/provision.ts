import type { PartitionTable } from "../boot/partition-table";
import type { NorFlash } from "../flash/nor-flash";

const SECTOR = 4096;

/**
 * What `idf.py flash` does to a new board: the app image at the first app
 * slot and an erased otadata, so the bootloader starts ota_0 with no rollback
 * bookkeeping. Used only on a blank flash (a new device or a new --state-dir).
 */
export function provisionFactoryImage(flash: NorFlash, table: PartitionTable, image: Uint8Array): void {
  const [first] = table.otaSlots();
  const otadata = table.otadata();
  if (first === undefined || otadata === undefined) throw new Error("partition table has no OTA slots or no otadata");
  if (image.length > first.size) throw new Error(`image of ${image.length} bytes does not fit ${first.name} (${first.size} bytes)`);
  flash.erase(otadata.offset, otadata.size);
  flash.erase(first.offset, Math.ceil(image.length / SECTOR) * SECTOR);
  flash.write(first.offset, image);
}

/** A chip straight from the factory: every byte erased. */
export function isBlank(flash: NorFlash, table: PartitionTable): boolean {
  const [first] = table.otaSlots();
  if (first === undefined) return true;
  const head = flash.read(first.offset, 32);
  return head.every((byte) => byte === 0xff);
}
