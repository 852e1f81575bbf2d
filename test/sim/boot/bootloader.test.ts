import { describe, expect, it } from "vitest";
import { Bootloader, NoBootableAppError } from "../../../sim/boot/bootloader";
import { encodeEntry, makeEntry, OtaImageState } from "../../../sim/boot/otadata";
import { parsePartitionTable } from "../../../sim/boot/partition-table";
import { NorFlash, PowerCutError } from "../../../sim/flash/nor-flash";
import {
  appImage,
  boot,
  factoryFlash,
  installUpdate,
  opsFor,
  OTA_0,
  OTA_1,
  OTADATA,
  otadataSummary,
  payloadText,
} from "./fixture";

const { NEW, PENDING_VERIFY, VALID, INVALID, ABORTED, UNDEFINED } = OtaImageState;
const blankSector = { seq: 0xffffffff, state: UNDEFINED };

/** Factory flash, booted once, with 2.0.0 installed into ota_1 and selected (NEW), not yet booted. */
function staged(): NorFlash {
  const flash = factoryFlash("1.0.0");
  installUpdate(opsFor(flash, boot(flash)), "2.0.0");
  return flash;
}

describe("Bootloader: first boot", () => {
  it("with blank otadata and no factory app boots ota_0", () => {
    const selection = boot(factoryFlash("1.0.0"));
    expect(selection.slot).toBe(OTA_0);
    expect(selection.slotIndex).toBe(0);
    expect(selection.image.descriptor.version).toBe("1.0.0");
    expect(payloadText(selection)).toBe('export const version = "1.0.0";\n');
  });

  it("with blank otadata records ota_0 as seq 1, VALID in sector 0, so the app starts with no trial", () => {
    const flash = factoryFlash();
    const selection = boot(flash);
    expect(otadataSummary(flash)).toEqual([{ seq: 1, state: VALID }, blankSector]);
    expect(flash.read(OTADATA.offset, 32)).toEqual(encodeEntry(makeEntry(1, VALID)));
    expect(selection.state).toBe("valid");
  });

  it("logs the partition table and the partition it loaded, like the ESP-IDF bootloader", () => {
    const { log } = boot(factoryFlash());
    expect(log).toContain("I (31) boot: Partition Table:");
    expect(log).toContain("I (35) boot: ## Label            Usage          Type ST Offset   Length");
    expect(log).toContain("I (39) boot:  0 nvs              WiFi data        01 02 00009000 00004000");
    expect(log).toContain("I (51) boot:  3 ota_0            OTA app          00 10 00010000 001e0000");
    expect(log.some((line) => /^I \(\d+\) boot: No factory image, trying OTA 0$/.test(line))).toBe(true);
    expect(log.some((line) => /^I \(\d+\) boot: Loaded app from partition at offset 0x10000$/.test(line))).toBe(true);
    expect(log.some((line) => /^I \(\d+\) boot: Set actual ota_seq=1 in otadata\[0\]$/.test(line))).toBe(true);
  });

  it("prefers a factory app when otadata is blank, and leaves otadata alone", () => {
    const table = parsePartitionTable(
      "otadata, data, ota, 0xd000, 0x2000\nfactory, app, factory, 0x10000, 0x10000\nota_0, app, ota_0, 0x20000, 0x10000",
    );
    const flash = new NorFlash({ size: table.end });
    flash.write(0x10000, appImage("factory"));
    flash.write(0x20000, appImage("ota"));
    const selection = new Bootloader(flash, table).boot();
    expect(selection.slot.name).toBe("factory");
    expect(selection.slotIndex).toBe(-1);
    expect(selection.state).toBe("undefined");
    expect(flash.stats.operations).toBe(2);
  });
});

describe("Bootloader: trial boot of a new image and rollback", () => {
  it("set boot partition writes the next seq for ota_1, NEW, to the other sector", () => {
    expect(otadataSummary(staged())).toEqual([
      { seq: 1, state: VALID },
      { seq: 2, state: NEW },
    ]);
  });

  it("the next boot turns NEW into PENDING_VERIFY and runs the new image", () => {
    const flash = staged();
    const selection = boot(flash);
    expect(selection.slot).toBe(OTA_1);
    expect(selection.image.descriptor.version).toBe("2.0.0");
    expect(selection.state).toBe("pending-verify");
    expect(otadataSummary(flash)).toEqual([
      { seq: 1, state: VALID },
      { seq: 2, state: PENDING_VERIFY },
    ]);
  });

  it("the boot after an unconfirmed trial marks it ABORTED and runs the previous image", () => {
    const flash = staged();
    boot(flash);
    const selection = boot(flash);
    expect(selection.slot).toBe(OTA_0);
    expect(selection.image.descriptor.version).toBe("1.0.0");
    expect(selection.state).toBe("valid");
    expect(otadataSummary(flash)).toEqual([
      { seq: 1, state: VALID },
      { seq: 2, state: ABORTED },
    ]);
    expect(selection.log.some((line) => /^D \(\d+\) boot: otadata\[1\] is marking as ABORTED$/.test(line))).toBe(true);
  });

  it("an aborted image is never tried again", () => {
    const flash = staged();
    boot(flash);
    boot(flash);
    expect(boot(flash).slot).toBe(OTA_0);
    expect(otadataSummary(flash)[1]).toEqual({ seq: 2, state: ABORTED });
  });

  it("an image marked valid during its trial keeps booting", () => {
    const flash = staged();
    opsFor(flash, boot(flash)).markAppValidCancelRollback();
    for (let i = 0; i < 3; i++) {
      const selection = boot(flash);
      expect(selection.slot).toBe(OTA_1);
      expect(selection.state).toBe("valid");
    }
    expect(otadataSummary(flash)).toEqual([
      { seq: 1, state: VALID },
      { seq: 2, state: VALID },
    ]);
  });

  it("an image marked invalid during its trial is left for the previous one", () => {
    const flash = staged();
    const reboot = opsFor(flash, boot(flash)).markAppInvalidRollbackAndReboot();
    expect(reboot).toEqual({ reboot: true });
    expect(otadataSummary(flash)[1]).toEqual({ seq: 2, state: INVALID });
    expect(boot(flash).slot).toBe(OTA_0);
  });

  it("without rollback support a NEW entry boots as it is, with no trial", () => {
    const flash = staged();
    const selection = boot(flash, false);
    expect(selection.slot).toBe(OTA_1);
    expect(selection.state).toBe("new");
    expect(otadataSummary(flash)[1]).toEqual({ seq: 2, state: NEW });
  });
});

describe("Bootloader: damaged otadata or images", () => {
  it("a corrupted active otadata sector falls back to the other sector", () => {
    const flash = staged();
    opsFor(flash, boot(flash)).markAppValidCancelRollback();
    flash.write(OTADATA.offset + 4096 + 28, Uint8Array.of(0x00));
    const selection = boot(flash);
    expect(selection.slot).toBe(OTA_0);
    expect(selection.state).toBe("valid");
  });

  it("a corrupted image in the selected slot falls back to the other slot and leaves otadata as it was", () => {
    const flash = staged();
    opsFor(flash, boot(flash)).markAppValidCancelRollback();
    flash.write(OTA_1.offset + 300, Uint8Array.of(0x00));
    const before = flash.read(OTADATA.offset, OTADATA.size);
    const selection = boot(flash);
    expect(selection.slot).toBe(OTA_0);
    expect(selection.image.descriptor.version).toBe("1.0.0");
    expect(flash.read(OTADATA.offset, OTADATA.size)).toEqual(before);
    expect(selection.log.some((line) => /^E \(\d+\) esp_image: image at 0x1f0000: checksum failed/.test(line))).toBe(true);
    expect(selection.log.some((line) => /^E \(\d+\) boot: OTA app partition slot 1 is not bootable$/.test(line))).toBe(true);
  });

  it("with ota_0 broken and blank otadata it tries ota_1 and records that as seq 2", () => {
    const flash = new NorFlash({ size: OTA_1.offset + OTA_1.size + 0x30000 });
    flash.write(OTA_1.offset, appImage("1.0.0"));
    const selection = boot(flash);
    expect(selection.slot).toBe(OTA_1);
    expect(otadataSummary(flash)[0]).toEqual({ seq: 2, state: VALID });
  });

  it("with no valid image anywhere throws NoBootableAppError carrying the log", () => {
    const flash = new NorFlash({ size: 4 * 1024 * 1024 });
    let error: unknown;
    try {
      boot(flash);
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(NoBootableAppError);
    expect((error as Error).message).toMatch(/No bootable app partitions/);
    expect((error as NoBootableAppError).log.at(-1)).toMatch(/^E \(\d+\) boot: No bootable app partitions in the partition table$/);
  });

  it("power lost while turning NEW into PENDING_VERIFY boots the previous image next time", () => {
    const flash = staged();
    flash.armPowerCut({ atOperation: flash.stats.operations + 1 });
    expect(() => boot(flash)).toThrow(PowerCutError);
    flash.powerRestored();
    expect(otadataSummary(flash)[1]).toEqual(blankSector);
    expect(boot(flash).slot).toBe(OTA_0);
  });
});
