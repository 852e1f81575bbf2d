/**
 * ECMA-419 flash storage (`embedded:storage/flash`) as Moddable implements it
 * on ESP32 (modules/io/flash/esp32): partitions are opened by name, or as
 * "running" / "nextota" for the app slots; erasing is by block index.
 */
export interface FlashPartitionStatus {
  size: number;
  blockLength: number;
  blocks: number;
}

export interface FlashPartition {
  /** Reads into `target` (no allocation) and returns the byte count. */
  read(target: Uint8Array, byteOffset: number): number;
  /** Reads into a new buffer. */
  read(byteLength: number, byteOffset: number): ArrayBuffer;
  write(data: Uint8Array, byteOffset: number): void;
  /** Erases blocks [start, end), or the one block `start`. */
  eraseBlock(start: number, end?: number): void;
  status(): FlashPartitionStatus;
  close(): void;
}

export interface FlashStorage {
  open(options: { path: string; mode?: "r" | "r+" }): FlashPartition;
}
