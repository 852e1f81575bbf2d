import { describe, expect, it } from "vitest";
import { nextSeqForSlot, OTA_WITH_SEQUENTIAL_WRITES, OtaError, type OtaErrorCode } from "../../../sim/boot/ota-ops";
import { OtaImageState } from "../../../sim/boot/otadata";
import { appImage, boot, factoryFlash, installUpdate, opsFor, OTA_0, OTA_1, OTADATA, otadataSummary } from "./fixture";

const { NEW, VALID, INVALID, ABORTED, UNDEFINED } = OtaImageState;

function codeOf(action: () => unknown): OtaErrorCode | undefined {
  try {
    action();
  } catch (error) {
    if (error instanceof OtaError) return error.code;
    throw error;
  }
  return undefined;
}

/** Booted once on factory flash (ota_0, VALID). */
function running() {
  const flash = factoryFlash("1.0.0");
  const selection = boot(flash);
  return { flash, selection, ops: opsFor(flash, selection) };
}

/** Running 2.0.0 from ota_1 on trial (PENDING_VERIFY). */
function onTrial() {
  const { flash, ops } = running();
  installUpdate(ops, "2.0.0");
  const selection = boot(flash);
  return { flash, selection, ops: opsFor(flash, selection) };
}

describe("OtaOps: partitions", () => {
  it("reports the partition the bootloader started as running", () => {
    expect(running().ops.getRunningPartition()).toBe(OTA_0);
  });

  it("offers the next OTA slot for an update, wrapping around", () => {
    expect(running().ops.getNextUpdatePartition()).toBe(OTA_1);
    expect(onTrial().ops.getNextUpdatePartition()).toBe(OTA_0);
  });

  it("reports each slot's state from otadata, and undefined for a slot no entry points at", () => {
    const { ops } = onTrial();
    expect(ops.getStatePartition(OTA_1)).toBe("pending-verify");
    expect(ops.getStatePartition(OTA_0)).toBe("valid");
    expect(running().ops.getStatePartition(OTA_1)).toBe("undefined");
  });

  it("reports the boot partition otadata selects", () => {
    const { flash, ops } = running();
    expect(ops.getBootPartition()).toBe(OTA_0);
    installUpdate(ops, "2.0.0");
    expect(opsFor(flash, boot(flash)).getBootPartition()).toBe(OTA_1);
  });
});

describe("OtaOps: set boot partition", () => {
  it("chooses the smallest seq at or above the active one that selects the slot", () => {
    expect(nextSeqForSlot(1, 1, 2)).toBe(2);
    expect(nextSeqForSlot(2, 0, 2)).toBe(3);
    expect(nextSeqForSlot(5, 1, 2)).toBe(6);
    expect(nextSeqForSlot(4, 7, 8)).toBe(8);
    expect(nextSeqForSlot(5, 3, 8)).toBe(12);
  });

  it("alternates sectors with increasing seq as updates succeed", () => {
    const { flash, ops } = running();
    installUpdate(ops, "2.0.0");
    let trial = opsFor(flash, boot(flash));
    trial.markAppValidCancelRollback();
    installUpdate(trial, "3.0.0");
    expect(otadataSummary(flash)).toEqual([
      { seq: 3, state: NEW },
      { seq: 2, state: VALID },
    ]);
    trial = opsFor(flash, boot(flash));
    expect(trial.getRunningPartition()).toBe(OTA_0);
    expect(trial.getStatePartition(OTA_0)).toBe("pending-verify");
  });

  it("for the slot otadata already selects, rewrites that entry as NEW in place", () => {
    const { flash, ops } = running();
    ops.setBootPartition(OTA_0);
    expect(otadataSummary(flash)).toEqual([
      { seq: 1, state: NEW },
      { seq: 0xffffffff, state: UNDEFINED },
    ]);
  });

  it("without rollback support records the slot as UNDEFINED instead of NEW", () => {
    const flash = factoryFlash();
    const ops = opsFor(flash, boot(flash), false);
    installUpdate(ops, "2.0.0");
    expect(otadataSummary(flash)[1]).toEqual({ seq: 2, state: UNDEFINED });
  });

  it("refuses a slot without a valid image and leaves otadata alone", () => {
    const { flash, ops } = running();
    const before = flash.read(OTADATA.offset, OTADATA.size);
    expect(codeOf(() => ops.setBootPartition(OTA_1))).toBe("ESP_ERR_OTA_VALIDATE_FAILED");
    expect(flash.read(OTADATA.offset, OTADATA.size)).toEqual(before);
  });
});

describe("OtaOps: confirming or rejecting the running image", () => {
  it("marking the trial image valid rewrites its entry as VALID", () => {
    const { flash, ops } = onTrial();
    ops.markAppValidCancelRollback();
    expect(otadataSummary(flash)[1]).toEqual({ seq: 2, state: VALID });
    expect(ops.getStatePartition(OTA_1)).toBe("valid");
  });

  it("marking an already valid image valid writes nothing", () => {
    const { flash, ops } = running();
    const operations = flash.stats.operations;
    ops.markAppValidCancelRollback();
    expect(flash.stats.operations).toBe(operations);
  });

  it("marking the trial image invalid rewrites its entry as INVALID and asks for a reboot", () => {
    const { flash, ops } = onTrial();
    expect(ops.markAppInvalidRollbackAndReboot()).toEqual({ reboot: true });
    expect(otadataSummary(flash)[1]).toEqual({ seq: 2, state: INVALID });
  });

  it("refuses to mark the only image invalid, because there is nothing to roll back to", () => {
    const { flash, ops } = running();
    expect(ops.checkRollbackIsPossible()).toBe(false);
    expect(codeOf(() => ops.markAppInvalidRollbackAndReboot())).toBe("ESP_ERR_OTA_ROLLBACK_FAILED");
    expect(otadataSummary(flash)[0]).toEqual({ seq: 1, state: VALID });
  });

  it("rollback is possible during a trial while the previous image still verifies", () => {
    const { flash, ops } = onTrial();
    expect(ops.checkRollbackIsPossible()).toBe(true);
    flash.write(OTA_0.offset + 300, Uint8Array.of(0));
    expect(ops.checkRollbackIsPossible()).toBe(false);
  });

  it("names the slot of the last aborted image while its image still verifies", () => {
    const { flash } = onTrial();
    const after = opsFor(flash, boot(flash));
    expect(otadataSummary(flash)[1]).toEqual({ seq: 2, state: ABORTED });
    expect(after.getLastInvalidPartition()).toBe(OTA_1);
    flash.write(OTA_1.offset + 300, Uint8Array.of(0));
    expect(after.getLastInvalidPartition()).toBeUndefined();
  });

  it("has no last invalid partition before anything failed", () => {
    expect(running().ops.getLastInvalidPartition()).toBeUndefined();
  });
});

describe("OtaOps: updates", () => {
  it("refuses to start an update while the running image is PENDING_VERIFY", () => {
    const { flash, ops } = onTrial();
    const operations = flash.stats.operations;
    let error: unknown;
    try {
      ops.beginUpdate(OTA_0);
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(OtaError);
    expect((error as OtaError).code).toBe("ESP_ERR_OTA_ROLLBACK_INVALID_STATE");
    expect((error as Error).message).toMatch(/Running app has not confirmed state/);
    expect(flash.stats.operations).toBe(operations);
  });

  it("allows an update once the trial image is marked valid", () => {
    const { ops } = onTrial();
    ops.markAppValidCancelRollback();
    expect(ops.beginUpdate(OTA_0).partition).toBe(OTA_0);
  });

  it("refuses to update the running partition or a non-OTA partition", () => {
    const { ops } = running();
    expect(codeOf(() => ops.beginUpdate(OTA_0))).toBe("ESP_ERR_OTA_PARTITION_CONFLICT");
    expect(codeOf(() => ops.beginUpdate(OTADATA))).toBe("ESP_ERR_INVALID_ARG");
  });

  it("erases the image size rounded up to whole sectors at begin", () => {
    const { flash, ops } = running();
    flash.write(OTA_1.offset + 8192, Uint8Array.of(0));
    const erasesBefore = flash.stats.bytesErased;
    ops.beginUpdate(OTA_1, 5000);
    expect(flash.stats.bytesErased - erasesBefore).toBe(8192);
    expect(flash.read(OTA_1.offset + 8192, 1)).toEqual(Uint8Array.of(0));
  });

  it("refuses an image larger than the slot", () => {
    expect(codeOf(() => running().ops.beginUpdate(OTA_1, OTA_1.size + 1))).toBe("ESP_ERR_INVALID_SIZE");
  });

  it("with sequential writes erases each sector just before writing into it", () => {
    const { flash, ops } = running();
    const update = ops.beginUpdate(OTA_1, OTA_WITH_SEQUENTIAL_WRITES);
    const image = appImage("2.0.0");
    const erases = flash.stats.erases;
    update.write(image.subarray(0, 10));
    expect(flash.stats.erases - erases).toBe(1);
    update.write(image.subarray(10));
    expect(flash.stats.erases - erases).toBe(1);
    expect(update.end().descriptor.version).toBe("2.0.0");
  });

  it("rejects a stream whose first byte is not the image magic", () => {
    const update = running().ops.beginUpdate(OTA_1);
    expect(codeOf(() => update.write(Uint8Array.of(0x7f, 0x45)))).toBe("ESP_ERR_OTA_VALIDATE_FAILED");
  });

  it("writes at offsets, then end() verifies the whole image", () => {
    const { ops } = running();
    const image = appImage("2.0.0");
    const update = ops.beginUpdate(OTA_1);
    update.writeWithOffset(image.subarray(100), 100);
    update.writeWithOffset(image.subarray(0, 100), 0);
    expect(update.written).toBe(image.length);
    expect(update.end().descriptor.version).toBe("2.0.0");
  });

  it("end() rejects an incomplete image", () => {
    const { ops } = running();
    const update = ops.beginUpdate(OTA_1);
    update.write(appImage("2.0.0").subarray(0, 200));
    expect(codeOf(() => update.end())).toBe("ESP_ERR_OTA_VALIDATE_FAILED");
  });

  it("a finished or aborted update accepts no more data", () => {
    const update = running().ops.beginUpdate(OTA_1);
    update.abort();
    expect(codeOf(() => update.write(Uint8Array.of(0xe9)))).toBe("ESP_ERR_NOT_FOUND");
  });

  it("starting an update forgets the previous image in the slot it overwrites", () => {
    const { flash, ops } = onTrial();
    ops.markAppValidCancelRollback();
    expect(ops.checkRollbackIsPossible()).toBe(true);
    ops.beginUpdate(OTA_0);
    expect(otadataSummary(flash)).toEqual([
      { seq: 0xffffffff, state: UNDEFINED },
      { seq: 2, state: VALID },
    ]);
    expect(ops.checkRollbackIsPossible()).toBe(false);
  });
});
