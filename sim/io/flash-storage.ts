import type { FlashPartition, FlashPartitionStatus, FlashStorage } from "../../firmware/host/storage";
import { PartitionType, type PartitionEntry, type PartitionTable } from "../boot/partition-table";
import { PowerCutError, type NorFlash } from "../flash/nor-flash";
import type { PowerDomain } from "../device/power-domain";

const BLOCK = 4096;

/**
 * The partition behind a handle this module opened, for `embedded:update`
 * (Moddable's update module reads it from the native flash object the same way).
 */
const entries = new WeakMap<FlashPartition, PartitionEntry>();

export function partitionOf(handle: FlashPartition): PartitionEntry | undefined {
  return entries.get(handle);
}

export interface AppSlots {
  running(): PartitionEntry;
  nextUpdate(): PartitionEntry;
}

/**
 * `embedded:storage/flash` over the simulated NOR flash, resolving names the
 * way Moddable's ESP32 implementation does: "running" and "nextota" are the app
 * slots, any other name is a *data* partition (app slots cannot be opened by
 * label). Errors carry Moddable's messages.
 */
export function createFlashStorage(flash: NorFlash, table: PartitionTable, slots: AppSlots, domain: PowerDomain): FlashStorage {
  return {
    open({ path, mode = "r+" }) {
      let entry: PartitionEntry | undefined;
      if (path === "running") entry = slots.running();
      else if (path === "nextota") entry = slots.nextUpdate();
      else {
        const found = table.find(path);
        entry = found !== undefined && found.type === PartitionType.DATA ? found : undefined;
      }
      if (entry === undefined) throw new Error("can't find partition");
      if (mode !== "r" && mode !== "r+") throw new Error("invalid mode");
      return new SimFlashPartition(flash, entry, mode === "r", domain);
    },
  };
}

class SimFlashPartition implements FlashPartition {
  readonly #flash: NorFlash;
  readonly #entry: PartitionEntry;
  readonly #readOnly: boolean;
  readonly #domain: PowerDomain;
  #open = true;

  constructor(flash: NorFlash, entry: PartitionEntry, readOnly: boolean, domain: PowerDomain) {
    this.#flash = flash;
    this.#entry = entry;
    this.#readOnly = readOnly;
    this.#domain = domain;
    domain.own(this);
    entries.set(this, entry);
  }

  get readOnly(): boolean {
    return this.#readOnly;
  }

  read(target: Uint8Array, byteOffset: number): number;
  read(byteLength: number, byteOffset: number): ArrayBuffer;
  read(what: Uint8Array | number, byteOffset: number): number | ArrayBuffer {
    this.#check();
    const length = typeof what === "number" ? what : what.length;
    const start = this.#range(byteOffset, length, "read failed");
    const out = typeof what === "number" ? new Uint8Array(length) : what;
    try {
      this.#flash.readInto(start, out);
    } catch (error) {
      throw this.#lost(error);
    }
    return typeof what === "number" ? (out.buffer as ArrayBuffer) : length;
  }

  write(data: Uint8Array, byteOffset: number): void {
    this.#check();
    if (this.#readOnly) throw new Error("read-only");
    const at = this.#range(byteOffset, data.length, "write failed");
    try {
      this.#flash.write(at, data);
    } catch (error) {
      throw this.#lost(error);
    }
  }

  eraseBlock(start: number, end: number = start + 1): void {
    this.#check();
    if (this.#readOnly) throw new Error("read-only");
    if (!Number.isInteger(start) || !Number.isInteger(end) || start < 0 || end <= start) throw new Error("erase failed");
    const at = this.#range(start * BLOCK, (end - start) * BLOCK, "erase failed");
    try {
      this.#flash.erase(at, (end - start) * BLOCK);
    } catch (error) {
      throw this.#lost(error);
    }
  }

  status(): FlashPartitionStatus {
    this.#check();
    return { size: this.#entry.size, blockLength: BLOCK, blocks: this.#entry.size / BLOCK };
  }

  close(): void {
    if (!this.#open) return;
    this.#open = false;
    this.#domain.disown(this);
  }

  release(): void {
    this.#open = false;
  }

  /** esp_partition_* refuse anything outside the partition with ESP_ERR_INVALID_SIZE. */
  #range(offset: number, length: number, message: string): number {
    if (!Number.isInteger(offset) || offset < 0 || length < 0 || offset + length > this.#entry.size) {
      throw new Error(`${message}: ${length} bytes at ${offset} outside ${this.#entry.name} (${this.#entry.size} bytes)`);
    }
    return this.#entry.offset + offset;
  }

  #check(): void {
    if (!this.#open) throw new Error("closed");
  }

  /**
   * A flash operation failed: a power cut inside it ends the device's power
   * domain there and then. Returns the error for the caller to rethrow.
   * (Inline try/catch rather than a wrapper taking a closure: the OTA path
   * writes and erases every 4 KiB, and a closure per call is garbage.)
   */
  #lost(error: unknown): unknown {
    if (error instanceof PowerCutError) this.#domain.powerLost(error);
    return error;
  }
}
