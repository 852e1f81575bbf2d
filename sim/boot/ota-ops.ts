/**
 * The application side of ESP-IDF's rollback protocol (app_update's
 * esp_ota_ops.c) over the simulated flash: what the firmware's BootControl
 * and the simulated `embedded:update` call. It makes the same otadata writes
 * in the same order as ESP-IDF, built with CONFIG_BOOTLOADER_APP_ROLLBACK_ENABLE,
 * so power-cut tests exercise the real protocol rather than an idealised one.
 *
 * Errors carry ESP-IDF's esp_err_t name in `code`, so a test can tell a
 * refused update (ESP_ERR_OTA_ROLLBACK_INVALID_STATE) from a bad image
 * (ESP_ERR_OTA_VALIDATE_FAILED).
 */
import { imageStateFromCode, type ImageState } from "../../firmware/boot/boot-control";
import type { NorFlash } from "../flash/nor-flash";
import { IMAGE_MAGIC, type VerifiedAppImage } from "./esp-app-image";
import {
  activeSector,
  entrySlot,
  findSlotEntry,
  isEntryRejected,
  isEntrySelectable,
  isEntryValid,
  otaSelectCrc,
  OtaImageState,
  readOtadata,
  selectSector,
  writeSector,
  type Otadata,
  type OtaSelectEntry,
} from "./otadata";
import { verifyPartitionImage } from "./partition-image";
import { AppSubtype, isOtaApp, otaSlotIndex, PartitionType, type PartitionEntry, type PartitionTable } from "./partition-table";

export type OtaErrorCode =
  | "ESP_FAIL"
  | "ESP_ERR_INVALID_ARG"
  | "ESP_ERR_INVALID_SIZE"
  | "ESP_ERR_INVALID_STATE"
  | "ESP_ERR_NOT_FOUND"
  | "ESP_ERR_OTA_PARTITION_CONFLICT"
  | "ESP_ERR_OTA_VALIDATE_FAILED"
  | "ESP_ERR_OTA_ROLLBACK_FAILED"
  | "ESP_ERR_OTA_ROLLBACK_INVALID_STATE";

export class OtaError extends Error {
  constructor(
    readonly code: OtaErrorCode,
    message: string,
  ) {
    super(`${message} (${code})`);
    this.name = "OtaError";
  }
}

/** esp_ota_begin image_size values: erase the whole slot now, or erase sector by sector while writing. */
export const OTA_SIZE_UNKNOWN = 0xffffffff;
export const OTA_WITH_SEQUENTIAL_WRITES = 0xfffffffe;

export interface OtaOpsOptions {
  /** The partition the bootloader started: esp_ota_get_running_partition's answer. */
  running: PartitionEntry;
  /** CONFIG_BOOTLOADER_APP_ROLLBACK_ENABLE; the device enables it. */
  rollback?: boolean;
}

/** The caller must now reset the device; esp_ota_mark_app_invalid_rollback_and_reboot never returns on the chip. */
export interface RebootRequest {
  readonly reboot: true;
}

export class OtaOps {
  readonly #flash: NorFlash;
  readonly #table: PartitionTable;
  readonly #running: PartitionEntry;
  readonly #rollback: boolean;

  constructor(flash: NorFlash, table: PartitionTable, options: OtaOpsOptions) {
    this.#flash = flash;
    this.#table = table;
    this.#running = options.running;
    this.#rollback = options.rollback ?? true;
  }

  getRunningPartition(): PartitionEntry {
    return this.#running;
  }

  /** esp_ota_get_boot_partition: what the bootloader would pick next, before rollback bookkeeping. */
  getBootPartition(): PartitionEntry | undefined {
    const otadata = this.#readOtadata();
    const slots = this.#table.otaSlots();
    if (slots.length === 0 || (isEntryRejected(otadata[0]) && isEntryRejected(otadata[1]))) return this.#defaultBootPartition();
    const active = activeSector(otadata);
    return active === -1 ? this.#defaultBootPartition() : slots[entrySlot(otadata[active], slots.length)];
  }

  /**
   * esp_ota_get_next_update_partition: the OTA slot after `startFrom` (the
   * running one by default), wrapping to ota_0; ota_0 when `startFrom` is not
   * an OTA slot.
   */
  getNextUpdatePartition(startFrom: PartitionEntry = this.#running): PartitionEntry {
    const slots = this.#table.otaSlots();
    if (slots.length === 0) throw new OtaError("ESP_ERR_NOT_FOUND", "the partition table has no OTA app slots");
    const at = slots.findIndex((slot) => slot.name === startFrom.name);
    return slots[(at + 1) % slots.length];
  }

  /**
   * esp_ota_get_state_partition. Where ESP-IDF answers ESP_ERR_NOT_FOUND (no
   * entry with a good CRC points at the slot) or ESP_ERR_NOT_SUPPORTED (not an
   * OTA slot), this reports "undefined", the state such an app runs in.
   */
  getStatePartition(partition: PartitionEntry): ImageState {
    return imageStateFromCode(this.#stateCode(partition) ?? OtaImageState.UNDEFINED);
  }

  /** getStatePartition by label; "undefined" for a slot the table does not have. */
  slotState(label: string): ImageState {
    const partition = this.#table.find(label);
    return partition === undefined ? "undefined" : this.getStatePartition(partition);
  }

  /**
   * esp_ota_set_boot_partition: validates the image, then records the slot in
   * otadata (NEW, for one trial boot) or, for the factory app, erases otadata.
   */
  setBootPartition(partition: PartitionEntry): void {
    const verdict = verifyPartitionImage(this.#flash, partition);
    if (!verdict.ok) throw new OtaError("ESP_ERR_OTA_VALIDATE_FAILED", `${partition.name} holds no valid app image: ${verdict.reason}`);
    const otadataPartition = this.#otadataPartition();
    if (partition.type === PartitionType.APP && partition.subtype === AppSubtype.FACTORY) {
      this.#flash.erase(otadataPartition.offset, otadataPartition.size);
      return;
    }
    const slot = otaSlotIndex(partition);
    if (slot === undefined) throw new OtaError("ESP_ERR_INVALID_ARG", `${partition.name} is neither an OTA slot nor the factory app`);
    this.#rewriteOtadata(slot);
  }

  /** esp_ota_mark_app_valid_cancel_rollback: the trial is over, keep this image. */
  markAppValidCancelRollback(): void {
    const { otadata, active } = this.#activeEntry();
    if (otadata[active].state !== OtaImageState.VALID) this.#rewriteState(otadata, active, OtaImageState.VALID);
  }

  /** esp_ota_mark_app_invalid_rollback_and_reboot, up to the reboot, which the caller performs. */
  markAppInvalidRollbackAndReboot(): RebootRequest {
    const { otadata, active } = this.#activeEntry();
    if (!this.checkRollbackIsPossible()) {
      throw new OtaError("ESP_ERR_OTA_ROLLBACK_FAILED", "Rollback is not possible, do not have any suitable apps in slots");
    }
    this.#rewriteState(otadata, active, OtaImageState.INVALID);
    return { reboot: true };
  }

  /** esp_ota_get_last_invalid_partition: the slot of the older entry marked INVALID or ABORTED, if its image still verifies. */
  getLastInvalidPartition(): PartitionEntry | undefined {
    const otadata = this.#readOtadata();
    const slots = this.#table.otaSlots();
    const givenUp = (entry: OtaSelectEntry): boolean =>
      isEntryValid(entry) && (entry.state === OtaImageState.INVALID || entry.state === OtaImageState.ABORTED);
    const sector = selectSector(otadata, givenUp, false);
    if (sector === -1 || slots.length === 0) return undefined;
    const partition = slots[entrySlot(otadata[sector], slots.length)];
    return partition !== undefined && verifyPartitionImage(this.#flash, partition).ok ? partition : undefined;
  }

  /** esp_ota_check_rollback_is_possible: is there an app other than the running one to fall back to. */
  checkRollbackIsPossible(): boolean {
    const slots = this.#table.otaSlots();
    if (slots.length === 0) return false;
    const otadata = this.#readOtadata();
    const active = activeSector(otadata);
    if (active === -1) return false;
    const previous = otadata[active === 0 ? 1 : 0];
    if (!isEntrySelectable(previous)) {
      const factory = this.#table.factory();
      return factory !== undefined && verifyPartitionImage(this.#flash, factory).ok;
    }
    const partition = slots[entrySlot(previous, slots.length)];
    return partition !== undefined && verifyPartitionImage(this.#flash, partition).ok;
  }

  /**
   * esp_ota_begin. Refuses the running slot, and refuses any update while the
   * running image is still on trial: an unconfirmed image must not be able to
   * replace the one it would roll back to.
   */
  beginUpdate(partition: PartitionEntry, imageSize: number = OTA_SIZE_UNKNOWN): OtaUpdate {
    if (!isOtaApp(partition)) throw new OtaError("ESP_ERR_INVALID_ARG", `${partition.name} is not an OTA app slot`);
    if (partition.name === this.#running.name) {
      throw new OtaError("ESP_ERR_OTA_PARTITION_CONFLICT", `${partition.name} is the running partition`);
    }
    if (this.#rollback && this.#stateCode(this.#running) === OtaImageState.PENDING_VERIFY) {
      throw new OtaError(
        "ESP_ERR_OTA_ROLLBACK_INVALID_STATE",
        `Running app has not confirmed state (ESP_OTA_IMG_PENDING_VERIFY): mark ${this.#running.name} valid before updating`,
      );
    }
    const sequential = imageSize === OTA_WITH_SEQUENTIAL_WRITES;
    if (!sequential) {
      const whole = imageSize === 0 || imageSize === OTA_SIZE_UNKNOWN;
      if (!whole && imageSize > partition.size) {
        throw new OtaError("ESP_ERR_INVALID_SIZE", `image of ${imageSize} bytes does not fit ${partition.name} (${partition.size} bytes)`);
      }
      const sector = this.#flash.sectorSize;
      this.#flash.erase(partition.offset, whole ? partition.size : Math.ceil(imageSize / sector) * sector);
    }
    if (this.#rollback) this.#invalidateInactiveSector();
    return new OtaUpdate(this.#flash, partition, sequential);
  }

  /**
   * esp_ota_invalidate_inactive_ota_data_slot: the inactive sector points at
   * the slot about to be overwritten, so it must not be rolled back to.
   */
  #invalidateInactiveSector(): void {
    const otadataPartition = this.#table.otadata();
    const slots = this.#table.otaSlots();
    if (otadataPartition === undefined || slots.length === 0) return;
    const otadata = readOtadata(this.#flash, otadataPartition);
    const active = activeSector(otadata);
    if (active === -1) return;
    const inactive = active === 0 ? 1 : 0;
    if (!isEntryValid(otadata[inactive])) return;
    if (slots[entrySlot(otadata[inactive], slots.length)]?.name === this.#running.name) return;
    const sector = this.#flash.sectorSize;
    this.#flash.erase(otadataPartition.offset + inactive * sector, sector);
  }

  /** esp_rewrite_ota_data: a NEW entry for `slot`, in the sector that is not active unless it already selects `slot`. */
  #rewriteOtadata(slot: number): void {
    const otadataPartition = this.#otadataPartition();
    const slotCount = this.#table.otaSlots().length;
    const otadata = readOtadata(this.#flash, otadataPartition);
    const active = activeSector(otadata);
    let sector: 0 | 1 = 0;
    let seq = slot + 1;
    if (active !== -1) {
      if (entrySlot(otadata[active], slotCount) === slot) {
        sector = active;
        seq = otadata[active].seq;
      } else {
        sector = active === 0 ? 1 : 0;
        seq = nextSeqForSlot(otadata[active].seq, slot, slotCount);
      }
    }
    const state = this.#rollback ? OtaImageState.NEW : OtaImageState.UNDEFINED;
    writeSector(this.#flash, otadataPartition, sector, { ...otadata[sector], seq, state, crc: otaSelectCrc(seq) });
  }

  #rewriteState(otadata: Otadata, sector: 0 | 1, state: number): void {
    const entry = otadata[sector];
    writeSector(this.#flash, this.#otadataPartition(), sector, { ...entry, state, crc: otaSelectCrc(entry.seq) });
  }

  /** esp_ota_current_ota_is_workable's precondition: an active entry, i.e. not running the factory app. */
  #activeEntry(): { otadata: Otadata; active: 0 | 1 } {
    const otadata = this.#readOtadata();
    const active = activeSector(otadata);
    if (active === -1 || this.#table.otaSlots().length === 0) {
      throw new OtaError("ESP_FAIL", "Running firmware is factory: otadata selects no OTA slot");
    }
    return { otadata, active };
  }

  #stateCode(partition: PartitionEntry): number | undefined {
    const slot = otaSlotIndex(partition);
    const otadataPartition = this.#table.otadata();
    if (slot === undefined || otadataPartition === undefined) return undefined;
    return findSlotEntry(readOtadata(this.#flash, otadataPartition), slot, this.#table.otaSlots().length)?.state;
  }

  #defaultBootPartition(): PartitionEntry | undefined {
    return this.#table.factory() ?? this.#table.otaSlots()[0] ?? this.#table.test();
  }

  #readOtadata(): Otadata {
    return readOtadata(this.#flash, this.#otadataPartition());
  }

  #otadataPartition(): PartitionEntry {
    const partition = this.#table.otadata();
    if (partition === undefined) throw new OtaError("ESP_ERR_NOT_FOUND", "the partition table has no otadata partition");
    return partition;
  }
}

/**
 * The smallest sequence number at or above `current` that selects `slot`:
 * ESP-IDF's compute_ota_seq_for_target_slot. It is strictly above `current`
 * whenever `slot` is not the slot `current` selects.
 */
export function nextSeqForSlot(current: number, slot: number, slotCount: number): number {
  const base = (slot + 1) % slotCount;
  return current <= base ? base : base + Math.ceil((current - base) / slotCount) * slotCount;
}

/** One esp_ota_begin ... esp_ota_end session writing an image into a slot. */
export class OtaUpdate {
  readonly partition: PartitionEntry;
  readonly #flash: NorFlash;
  readonly #eraseAsWritten: boolean;
  #written = 0;
  #open = true;

  constructor(flash: NorFlash, partition: PartitionEntry, eraseAsWritten: boolean) {
    this.#flash = flash;
    this.partition = partition;
    this.#eraseAsWritten = eraseAsWritten;
  }

  /** Bytes accepted so far (esp_ota_write appends, esp_ota_write_with_offset adds its length). */
  get written(): number {
    return this.#written;
  }

  /** esp_ota_write: appends, erasing each sector first when begun with OTA_WITH_SEQUENTIAL_WRITES. */
  write(data: Uint8Array): void {
    this.#assertOpen();
    if (data.length === 0) return;
    this.#assertFits(this.#written, data.length);
    if (this.#eraseAsWritten) this.#eraseAhead(data.length);
    if (this.#written === 0 && data[0] !== IMAGE_MAGIC) {
      throw new OtaError(
        "ESP_ERR_OTA_VALIDATE_FAILED",
        `OTA image has invalid magic byte (expected 0x${IMAGE_MAGIC.toString(16)}, saw 0x${data[0].toString(16).padStart(2, "0")})`,
      );
    }
    this.#flash.write(this.partition.offset + this.#written, data);
    this.#written += data.length;
  }

  /** esp_ota_write_with_offset: random access, for a slot erased up front by beginUpdate. */
  writeWithOffset(data: Uint8Array, offset: number): void {
    this.#assertOpen();
    if (this.#eraseAsWritten) {
      throw new OtaError("ESP_ERR_INVALID_STATE", "writeWithOffset needs a slot erased by beginUpdate, not OTA_WITH_SEQUENTIAL_WRITES");
    }
    this.#assertFits(offset, data.length);
    this.#flash.write(this.partition.offset + offset, data);
    this.#written += data.length;
  }

  /** esp_ota_end: the slot must now hold a complete, valid image. */
  end(): VerifiedAppImage {
    this.#assertOpen();
    this.#open = false;
    if (this.#written === 0) throw new OtaError("ESP_ERR_INVALID_ARG", "esp_ota_end before any data was written");
    const verdict = verifyPartitionImage(this.#flash, this.partition);
    if (!verdict.ok) throw new OtaError("ESP_ERR_OTA_VALIDATE_FAILED", `New image failed verification: ${verdict.reason}`);
    // The verdict as it is: its payload is copied out of the slot only if a caller reads it, and none does here.
    return verdict;
  }

  /** esp_ota_abort: forget the session; what was written stays in flash. */
  abort(): void {
    this.#assertOpen();
    this.#open = false;
  }

  #eraseAhead(length: number): void {
    const sector = this.#flash.sectorSize;
    const first = Math.floor(this.#written / sector);
    const last = Math.floor((this.#written + length - 1) / sector);
    const base = this.partition.offset;
    if (this.#written % sector === 0) {
      this.#flash.erase(base + this.#written, (last - first + 1) * sector);
    } else if (first !== last) {
      this.#flash.erase(base + (first + 1) * sector, (last - first) * sector);
    }
  }

  #assertFits(offset: number, length: number): void {
    if (offset < 0 || offset + length > this.partition.size) {
      throw new OtaError("ESP_ERR_INVALID_SIZE", `write of ${length} bytes at ${offset} runs past ${this.partition.name} (${this.partition.size} bytes)`);
    }
  }

  #assertOpen(): void {
    if (!this.#open) throw new OtaError("ESP_ERR_NOT_FOUND", `the update of ${this.partition.name} has already ended`);
  }
}
