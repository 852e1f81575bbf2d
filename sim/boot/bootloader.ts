/**
 * ESP-IDF's second-stage bootloader, as far as choosing and checking the app
 * goes, built with CONFIG_BOOTLOADER_APP_ROLLBACK_ENABLE (the device's
 * sdkconfig). It follows bootloader_utility.c step by step, because the
 * simulator is only worth trusting for rollback and power loss if it makes
 * the same choices, and the same otadata writes, in the same order:
 *
 * 1. Any otadata entry still PENDING_VERIFY had its one chance: rewrite it as
 *    ABORTED (both sectors are checked, before anything is selected).
 * 2. If neither entry can be booted (erased, INVALID or ABORTED), take the
 *    factory app, else ota_0; with truly blank otadata and no factory app,
 *    the slot that loads is then recorded as seq = slot + 1, VALID.
 * 3. Otherwise the valid entry with the higher ota_seq picks slot
 *    (seq - 1) % slots; a NEW entry is rewritten as PENDING_VERIFY first.
 * 4. Load that slot; if its image fails verification, try the slots below it
 *    down to factory, then the slots above it, then the test app. None of
 *    these fallbacks touches otadata.
 */
import { imageStateFromCode, type ImageState } from "../../firmware/boot/boot-control";
import type { NorFlash } from "../flash/nor-flash";
import type { VerifiedAppImage } from "./esp-app-image";
import {
  activeSector,
  entrySlot,
  findSlotEntry,
  isEntryRejected,
  isEntryValid,
  makeEntry,
  OtaImageState,
  readOtadata,
  writeSector,
  type Otadata,
} from "./otadata";
import { verifyPartitionImage } from "./partition-image";
import { AppSubtype, DataSubtype, isOtaApp, PartitionType, type PartitionEntry, type PartitionTable } from "./partition-table";

export interface BootloaderOptions {
  /** CONFIG_BOOTLOADER_APP_ROLLBACK_ENABLE; the device enables it. */
  rollback?: boolean;
}

export interface BootSelection {
  slot: PartitionEntry;
  /** ota_n slot number; -1 for the factory app, -2 for the test app. */
  slotIndex: number;
  image: VerifiedAppImage;
  /** What esp_ota_get_state_partition will report to the app that now runs. */
  state: ImageState;
  log: string[];
}

export class NoBootableAppError extends Error {
  constructor(
    message: string,
    readonly log: readonly string[],
  ) {
    super(message);
    this.name = "NoBootableAppError";
  }
}

export const FACTORY_INDEX = -1;
export const TEST_APP_INDEX = -2;

export class Bootloader {
  readonly #flash: NorFlash;
  readonly #table: PartitionTable;
  readonly #rollback: boolean;

  constructor(flash: NorFlash, table: PartitionTable, options: BootloaderOptions = {}) {
    this.#flash = flash;
    this.#table = table;
    this.#rollback = options.rollback ?? true;
  }

  /** One pass from reset to the jump into the app. Throws PowerCutError if the flash loses power meanwhile. */
  boot(): BootSelection {
    const log = new BootLog();
    log.info("boot", "ESP-IDF second stage bootloader (fieldnode simulator)");
    this.#logPartitionTable(log);
    const { index, initialContents } = this.#selectBootIndex(log);
    const { slot, slotIndex, image } = this.#loadBootImage(index, initialContents, log);
    return { slot, slotIndex, image, state: this.#stateOf(slotIndex), log: log.lines };
  }

  /** bootloader_utility_get_selected_boot_partition. */
  #selectBootIndex(log: BootLog): { index: number; initialContents: boolean } {
    const otadataPartition = this.#table.otadata();
    if (otadataPartition === undefined) return { index: FACTORY_INDEX, initialContents: false };
    const otadata = readOtadata(this.#flash, otadataPartition);
    const slotCount = this.#table.otaSlots().length;
    const factory = this.#table.factory();

    if (this.#rollback) {
      for (const sector of [0, 1] as const) {
        if (otadata[sector].state === OtaImageState.PENDING_VERIFY) {
          log.debug("boot", `otadata[${sector}] is marking as ABORTED`);
          otadata[sector] = { ...otadata[sector], state: OtaImageState.ABORTED };
          writeSector(this.#flash, otadataPartition, sector, otadata[sector]);
        }
      }
    }

    if ((isEntryRejected(otadata[0]) && isEntryRejected(otadata[1])) || slotCount === 0) {
      if (factory !== undefined) {
        log.info("boot", "Defaulting to factory image");
        return { index: FACTORY_INDEX, initialContents: false };
      }
      log.info("boot", "No factory image, trying OTA 0");
      return { index: 0, initialContents: !isEntryValid(otadata[0]) && !isEntryValid(otadata[1]) };
    }

    const active = activeSector(otadata);
    if (active === -1) {
      log.error("boot", factory !== undefined ? "ota data partition invalid, falling back to factory" : "ota data partition invalid and no factory, will try all partitions");
      return { index: FACTORY_INDEX, initialContents: false };
    }
    const index = entrySlot(otadata[active], slotCount);
    log.debug("boot", `Active otadata[${active}], seq ${otadata[active].seq} -> OTA slot ${index}`);
    if (this.#rollback && otadata[active].state === OtaImageState.NEW) {
      log.debug("boot", `otadata[${active}] is selected as new and marked PENDING_VERIFY state`);
      otadata[active] = { ...otadata[active], state: OtaImageState.PENDING_VERIFY };
      writeSector(this.#flash, otadataPartition, active, otadata[active]);
    }
    return { index, initialContents: false };
  }

  /** bootloader_utility_load_boot_image: the selected slot, then everything else that might run. */
  #loadBootImage(start: number, initialContents: boolean, log: BootLog): { slot: PartitionEntry; slotIndex: number; image: VerifiedAppImage } {
    const slotCount = this.#table.otaSlots().length;
    const order: number[] = [];
    if (start === TEST_APP_INDEX) {
      order.push(TEST_APP_INDEX);
    } else {
      for (let index = start; index >= FACTORY_INDEX; index--) order.push(index);
      for (let index = start + 1; index < slotCount; index++) order.push(index);
      order.push(TEST_APP_INDEX);
    }

    for (const index of order) {
      const partition = this.#partitionAt(index);
      if (partition === undefined) continue;
      const result = verifyPartitionImage(this.#flash, partition);
      if (result.ok) {
        if (index === TEST_APP_INDEX && start !== TEST_APP_INDEX) log.warn("boot", "Falling back to test app as only bootable partition");
        log.info("boot", `Loaded app from partition at offset 0x${partition.offset.toString(16)}`);
        if (index > FACTORY_INDEX && initialContents) this.#setActualOtaSeq(index, log);
        const { descriptor, payload, length } = result;
        return { slot: partition, slotIndex: index, image: { descriptor, payload, length } };
      }
      log.error("esp_image", `image at 0x${partition.offset.toString(16)}: ${result.reason}`);
      log.error("boot", invalidPartitionMessage(index));
    }
    log.error("boot", "No bootable app partitions in the partition table");
    throw new NoBootableAppError("No bootable app partitions in the partition table: every app slot failed image verification", log.lines);
  }

  /** With blank otadata and no factory app, make the slot that booted the selected one. */
  #setActualOtaSeq(index: number, log: BootLog): void {
    const otadataPartition = this.#table.otadata();
    if (otadataPartition === undefined) return;
    writeSector(this.#flash, otadataPartition, 0, makeEntry(index + 1, OtaImageState.VALID));
    log.info("boot", `Set actual ota_seq=${index + 1} in otadata[0]`);
  }

  #partitionAt(index: number): PartitionEntry | undefined {
    if (index === FACTORY_INDEX) return this.#table.factory();
    if (index === TEST_APP_INDEX) return this.#table.test();
    return this.#table.otaSlots()[index];
  }

  #stateOf(slotIndex: number): ImageState {
    const otadataPartition = this.#table.otadata();
    if (slotIndex < 0 || otadataPartition === undefined) return "undefined";
    const otadata: Otadata = readOtadata(this.#flash, otadataPartition);
    const entry = findSlotEntry(otadata, slotIndex, this.#table.otaSlots().length);
    return imageStateFromCode(entry?.state ?? OtaImageState.UNDEFINED);
  }

  #logPartitionTable(log: BootLog): void {
    log.info("boot", "Partition Table:");
    log.info("boot", "## Label            Usage          Type ST Offset   Length");
    this.#table.entries.forEach((entry, i) => {
      log.info(
        "boot",
        `${String(i).padStart(2)} ${entry.name.padEnd(16)} ${usage(entry).padEnd(16)} ${hex(entry.type, 2)} ${hex(entry.subtype, 2)} ${hex(entry.offset, 8)} ${hex(entry.size, 8)}`,
      );
    });
    log.info("boot", "End of partition table");
  }
}

/** ESP_LOGx lines with the bootloader's millisecond timestamps, made deterministic. */
class BootLog {
  readonly lines: string[] = [];
  #time = 27;

  info(tag: string, message: string): void {
    this.#add("I", tag, message);
  }
  warn(tag: string, message: string): void {
    this.#add("W", tag, message);
  }
  error(tag: string, message: string): void {
    this.#add("E", tag, message);
  }
  /** Debug lines are compiled out of a release bootloader; kept here because rollback is what the simulator is for. */
  debug(tag: string, message: string): void {
    this.#add("D", tag, message);
  }

  #add(level: string, tag: string, message: string): void {
    this.lines.push(`${level} (${this.#time}) ${tag}: ${message}`);
    this.#time += 4;
  }
}

function invalidPartitionMessage(index: number): string {
  if (index === FACTORY_INDEX) return "Factory app partition is not bootable";
  if (index === TEST_APP_INDEX) return "Factory test app partition is not bootable";
  return `OTA app partition slot ${index} is not bootable`;
}

/** The usage column of the bootloader's partition table dump. */
function usage(entry: PartitionEntry): string {
  if (entry.type === PartitionType.APP) {
    if (entry.subtype === AppSubtype.FACTORY) return "factory app";
    if (entry.subtype === AppSubtype.TEST) return "test app";
    return isOtaApp(entry) ? "OTA app" : "Unknown app";
  }
  if (entry.type === PartitionType.DATA) {
    switch (entry.subtype) {
      case DataSubtype.OTA:
        return "OTA data";
      case DataSubtype.PHY:
        return "RF data";
      case DataSubtype.NVS:
        return "WiFi data";
      case DataSubtype.NVS_KEYS:
        return "NVS keys";
      case DataSubtype.EFUSE:
        return "efuse";
      default:
        return "Unknown data";
    }
  }
  return "unknown";
}

function hex(value: number, width: number): string {
  return value.toString(16).padStart(width, "0");
}
