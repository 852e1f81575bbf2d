import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { openFlashFile } from "../flash/flash-file";
import { NorFlash } from "../flash/nor-flash";

/** The reference module's SPI flash: 4 MiB, as partitions.csv lays out. */
export const FLASH_SIZE = 4 * 1024 * 1024;

export interface FlashStore {
  flash: NorFlash;
  /** Where the flash lives: a file path, or "memory". */
  location: string;
  close(): void;
}

/** A device's flash: a file under the state directory, or memory for a throwaway device. */
export function openDeviceFlash(stateDir: string | undefined, id: string): FlashStore {
  if (stateDir === undefined) {
    return { flash: new NorFlash({ size: FLASH_SIZE }), location: "memory", close() {} };
  }
  mkdirSync(stateDir, { recursive: true });
  const path = join(stateDir, `${id}.flash`);
  const { flash, close } = openFlashFile(path, FLASH_SIZE);
  return { flash, location: path, close };
}
