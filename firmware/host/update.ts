import type { FlashPartition } from "./storage";

/**
 * ECMA-419 `embedded:update` as Moddable implements it on ESP32
 * (modules/io/update/esp32): opened on a partition from flash storage,
 * usually `flash.open({ path: "nextota" })`.
 *
 * mode "a" (default) appends, erasing as it goes (OTA_WITH_SEQUENTIAL_WRITES);
 * mode "w" erases up front (byteLength bytes, or the whole slot) and writes at
 * offsets. complete() validates the image (esp_ota_end) and makes it the boot
 * partition; close() before complete() abandons the update.
 */
export interface Update {
  write(data: Uint8Array, byteOffset?: number): void;
  complete(): void;
  close(): void;
}

export interface UpdateOpenOptions {
  partition: FlashPartition;
  mode?: "a" | "w";
  byteLength?: number;
}

export interface UpdateProvider {
  open(options: UpdateOpenOptions): Update;
}
