import { Bootloader, type BootSelection } from "../../../sim/boot/bootloader";
import { loadDevicePartitionTable } from "../../../sim/boot/device-partition-table";
import { buildAppImage } from "../../../sim/boot/esp-app-image";
import { OtaOps } from "../../../sim/boot/ota-ops";
import { readOtadata, type Otadata } from "../../../sim/boot/otadata";
import type { PartitionEntry, PartitionTable } from "../../../sim/boot/partition-table";
import { NorFlash } from "../../../sim/flash/nor-flash";

export const table: PartitionTable = loadDevicePartitionTable();
export const OTA_0: PartitionEntry = table.find("ota_0")!;
export const OTA_1: PartitionEntry = table.find("ota_1")!;
export const OTADATA: PartitionEntry = table.otadata()!;

/** A small app image whose payload names its version, so a boot shows which build it found. */
export function appImage(version: string): Uint8Array {
  return buildAppImage({
    version,
    projectName: "fieldnode",
    secureVersion: 0,
    payload: new TextEncoder().encode(`export const version = ${JSON.stringify(version)};\n`),
  });
}

export function payloadText(selection: BootSelection): string {
  return new TextDecoder().decode(selection.image.payload);
}

/** What `idf.py flash` leaves: `version` in ota_0, otadata erased, everything else blank. */
export function factoryFlash(version = "1.0.0"): NorFlash {
  const flash = new NorFlash({ size: table.end });
  const image = appImage(version);
  flash.write(OTA_0.offset, image);
  return flash;
}

export function boot(flash: NorFlash, rollback = true): BootSelection {
  return new Bootloader(flash, table, { rollback }).boot();
}

export function opsFor(flash: NorFlash, selection: BootSelection, rollback = true): OtaOps {
  return new OtaOps(flash, table, { running: selection.slot, rollback });
}

/** A complete OTA as the firmware does it: begin, stream, end, set boot partition. */
export function installUpdate(ops: OtaOps, version: string, chunk = 97): PartitionEntry {
  const image = appImage(version);
  const target = ops.getNextUpdatePartition();
  const update = ops.beginUpdate(target, image.length);
  for (let at = 0; at < image.length; at += chunk) update.write(image.subarray(at, at + chunk));
  update.end();
  ops.setBootPartition(target);
  return target;
}

export function otadataOf(flash: NorFlash): Otadata {
  return readOtadata(flash, OTADATA);
}

/** seq and state of both sectors, the part of otadata that decides the next boot. */
export function otadataSummary(flash: NorFlash): { seq: number; state: number }[] {
  return otadataOf(flash).map(({ seq, state }) => ({ seq, state }));
}
