/**
 * The app image an app partition holds, checked in place: the bootloader and
 * esp_ota_ops verify images of up to a whole slot many times per boot (and
 * twice per update: esp_ota_end, then esp_ota_set_boot_partition), so they
 * hash and checksum it where it lies in the flash, sector by sector, copy out
 * only the payload and only for a caller that reads it (a boot), and skip
 * the check altogether when the bytes have not changed since the last one.
 */
import type { NorFlash } from "../flash/nor-flash";
import { checkAppImage, type AppImageCheck, type AppImageVerification } from "./esp-app-image";
import type { PartitionEntry } from "./partition-table";

interface Verdict {
  size: number;
  /** The flash's revision of the partition's range when the check ran. */
  revision: number;
  check: AppImageCheck;
}

/**
 * The last check per flash chip and partition offset. A check is a pure
 * function of the partition's bytes and size, and the flash's revision of the
 * range changes with every erase or write that reaches any of its bytes (the
 * applied part of a torn one included), so a remembered check is exactly the
 * one a new check would reach. Payload bytes are never kept here: a fleet of
 * simulated devices would hold a copy of every image they ever verified.
 */
const verdicts = new WeakMap<NorFlash, Map<number, Verdict>>();

export function verifyPartitionImage(flash: NorFlash, partition: PartitionEntry): AppImageVerification {
  const { offset, size } = partition;
  // Fails as reading the slot would when the chip has no power or the range is off the chip.
  const revision = flash.revision(offset, size);
  let known = verdicts.get(flash);
  if (known === undefined) {
    known = new Map();
    verdicts.set(flash, known);
  }
  let last = known.get(offset);
  if (last === undefined || last.size !== size || last.revision !== revision) {
    const check = checkAppImage(
      {
        length: size,
        read: (at, length) => flash.read(offset + at, length),
        visit: (at, length, each) => flash.visit(offset + at, length, each),
      },
      size,
    );
    last = { size, revision, check };
    known.set(offset, last);
  }
  const { check } = last;
  if (!check.ok) return check;
  const { descriptor, length, payloadOffset, payloadLength } = check;
  let payload: Uint8Array | undefined;
  return {
    ok: true,
    // Each caller gets its own descriptor: nothing one caller does to it reaches another through the cache.
    descriptor: { ...descriptor, appElfSha256: descriptor.appElfSha256.slice() },
    length,
    /**
     * The payload as verified, copied out of the flash when first read: a
     * boot reads it at once, esp_ota_end and set_boot_partition never do.
     * Bytes that changed since the check are not what was verified, so
     * reading them then is refused rather than answered with something else.
     */
    get payload(): Uint8Array {
      if (payload === undefined) {
        if (flash.revision(offset, size) !== revision) {
          throw new Error(`${partition.name} changed after its image was verified; verify it again before reading its payload`);
        }
        payload = flash.read(offset + payloadOffset, payloadLength);
      }
      return payload;
    },
  };
}
