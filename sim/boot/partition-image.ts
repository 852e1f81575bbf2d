/**
 * The app image an app partition holds, checked in place: the bootloader and
 * esp_ota_ops verify images of up to a whole slot many times per boot, so
 * they look at the flash through a view instead of copying it out.
 */
import type { NorFlash } from "../flash/nor-flash";
import { verifyAppImage, type AppImageVerification } from "./esp-app-image";
import type { PartitionEntry } from "./partition-table";

export function verifyPartitionImage(flash: NorFlash, partition: PartitionEntry): AppImageVerification {
  return verifyAppImage(flash.view(partition.offset, partition.size), partition.size);
}
