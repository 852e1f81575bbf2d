/**
 * ESP-IDF's otadata partition: two flash sectors, each starting with one
 * esp_ota_select_entry_t. Updates always erase and rewrite a whole sector,
 * and the two copies are used alternately, so a power cut while one sector is
 * being rewritten leaves the other one to boot from.
 *
 * Entry layout (32 bytes, little-endian):
 *   0  u32 ota_seq     slot = (ota_seq - 1) % number of OTA slots
 *   4  u8  seq_label[20]
 *   24 u32 ota_state   esp_ota_img_states_t
 *   28 u32 crc         covers ota_seq only
 */
import { crc32 } from "../../firmware/core/crc32";
import type { NorFlash } from "../flash/nor-flash";
import type { PartitionEntry } from "./partition-table";

/** esp_ota_img_states_t. A sector read back from flash may hold any other u32 as well. */
export const OtaImageState = {
  NEW: 0x0,
  PENDING_VERIFY: 0x1,
  VALID: 0x2,
  INVALID: 0x3,
  ABORTED: 0x4,
  UNDEFINED: 0xffffffff,
} as const;
export type OtaImageState = number;

export interface OtaSelectEntry {
  seq: number;
  /** 20 bytes that ESP-IDF never interprets; erased flash leaves them 0xFF. */
  label: Uint8Array;
  state: OtaImageState;
  crc: number;
}

export const OTA_SELECT_ENTRY_SIZE = 32;
const LABEL_SIZE = 20;
const BLANK_SEQ = 0xffffffff;

/**
 * bootloader_common_ota_select_crc: esp_rom_crc32_le(UINT32_MAX, &ota_seq, 4).
 * The ROM function inverts its seed on entry and its result on exit, exactly
 * like zlib's crc32(seed, ...), so this is crc32 seeded with 0xFFFFFFFF and
 * NOT the plain CRC-32 of the four bytes (that would be seed 0).
 */
export function otaSelectCrc(seq: number): number {
  const bytes = new Uint8Array(4);
  new DataView(bytes.buffer).setUint32(0, seq >>> 0, true);
  return crc32(bytes, 0xffffffff);
}

/** An entry with its CRC filled in and an erased-flash label. */
export function makeEntry(seq: number, state: OtaImageState, label?: Uint8Array): OtaSelectEntry {
  return { seq: seq >>> 0, label: label ?? new Uint8Array(LABEL_SIZE).fill(0xff), state: state >>> 0, crc: otaSelectCrc(seq) };
}

export function encodeEntry(entry: OtaSelectEntry): Uint8Array {
  if (entry.label.length !== LABEL_SIZE) throw new RangeError(`seq_label must be ${LABEL_SIZE} bytes, got ${entry.label.length}`);
  const bytes = new Uint8Array(OTA_SELECT_ENTRY_SIZE);
  const view = new DataView(bytes.buffer);
  view.setUint32(0, entry.seq >>> 0, true);
  bytes.set(entry.label, 4);
  view.setUint32(24, entry.state >>> 0, true);
  view.setUint32(28, entry.crc >>> 0, true);
  return bytes;
}

export function decodeEntry(bytes: Uint8Array): OtaSelectEntry {
  if (bytes.length < OTA_SELECT_ENTRY_SIZE) throw new RangeError(`an otadata entry is ${OTA_SELECT_ENTRY_SIZE} bytes, got ${bytes.length}`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, OTA_SELECT_ENTRY_SIZE);
  return {
    seq: view.getUint32(0, true),
    label: bytes.slice(4, 4 + LABEL_SIZE),
    state: view.getUint32(24, true),
    crc: view.getUint32(28, true),
  };
}

/** Written by someone: a sequence number that is not erased flash and a CRC that matches it. */
export function isEntryValid(entry: OtaSelectEntry): boolean {
  return entry.seq !== BLANK_SEQ && entry.crc === otaSelectCrc(entry.seq);
}

/**
 * bootloader_common_ota_select_invalid: erased, or an image the rollback
 * logic gave up on. Note that it ignores the CRC.
 */
export function isEntryRejected(entry: OtaSelectEntry): boolean {
  return entry.seq === BLANK_SEQ || entry.state === OtaImageState.INVALID || entry.state === OtaImageState.ABORTED;
}

/** bootloader_common_ota_select_valid: an entry the bootloader may boot from. */
export function isEntrySelectable(entry: OtaSelectEntry): boolean {
  return !isEntryRejected(entry) && isEntryValid(entry);
}

/** The OTA slot an entry points at (ESP-IDF's unsigned (ota_seq - 1) % count). */
export function entrySlot(entry: OtaSelectEntry, slotCount: number): number {
  return ((entry.seq - 1) >>> 0) % slotCount;
}

export type Otadata = [OtaSelectEntry, OtaSelectEntry];

export function readOtadata(flash: NorFlash, partition: PartitionEntry): Otadata {
  const sector = sectorSize(flash, partition);
  return [
    decodeEntry(flash.read(partition.offset, OTA_SELECT_ENTRY_SIZE)),
    decodeEntry(flash.read(partition.offset + sector, OTA_SELECT_ENTRY_SIZE)),
  ];
}

/**
 * bootloader_common_select_otadata: of the sectors that qualify, the one with
 * the higher sequence number wins; on a tie, sector 0. -1 when neither does.
 */
export function selectSector(otadata: Otadata, qualifies: (entry: OtaSelectEntry) => boolean, highest = true): -1 | 0 | 1 {
  const ok = otadata.map(qualifies);
  if (ok[0] && ok[1]) {
    const pick = highest ? Math.max(otadata[0].seq, otadata[1].seq) : Math.min(otadata[0].seq, otadata[1].seq);
    return pick === otadata[0].seq ? 0 : 1;
  }
  return ok[0] ? 0 : ok[1] ? 1 : -1;
}

/** The sector the bootloader boots from: bootloader_common_get_active_otadata. */
export function activeSector(otadata: Otadata): -1 | 0 | 1 {
  return selectSector(otadata, isEntrySelectable);
}

/**
 * The state esp_ota_get_state_partition reports for a slot: the first sector
 * whose entry points at it with a matching CRC, whatever its state.
 */
export function findSlotEntry(otadata: Otadata, slot: number, slotCount: number): OtaSelectEntry | undefined {
  return otadata.find((entry) => entrySlot(entry, slotCount) === slot && entry.crc === otaSelectCrc(entry.seq));
}

/** Replaces one sector's entry: erase the whole sector, then program 32 bytes. */
export function writeSector(flash: NorFlash, partition: PartitionEntry, sector: 0 | 1, entry: OtaSelectEntry): void {
  const size = sectorSize(flash, partition);
  flash.erase(partition.offset + sector * size, size);
  flash.write(partition.offset + sector * size, encodeEntry(entry));
}

/**
 * Records a new selection in the sector that is not active, leaving the
 * active one intact until the new entry is complete. Returns the sector used.
 */
export function writeInactiveSector(flash: NorFlash, partition: PartitionEntry, entry: OtaSelectEntry): 0 | 1 {
  const active = activeSector(readOtadata(flash, partition));
  const sector = active === 0 ? 1 : 0;
  writeSector(flash, partition, sector, entry);
  return sector;
}

function sectorSize(flash: NorFlash, partition: PartitionEntry): number {
  if (partition.size < 2 * flash.sectorSize) {
    throw new RangeError(`otadata "${partition.name}" is 0x${partition.size.toString(16)} bytes; it needs two 0x${flash.sectorSize.toString(16)}-byte sectors`);
  }
  return flash.sectorSize;
}
