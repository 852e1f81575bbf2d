import { describe, expect, it } from "vitest";
import { loadDevicePartitionTable } from "../../../sim/boot/device-partition-table";
import { buildAppImage } from "../../../sim/boot/esp-app-image";
import { OtaOps } from "../../../sim/boot/ota-ops";
import { Bootloader } from "../../../sim/boot/bootloader";
import { PowerDomain } from "../../../sim/device/power-domain";
import { provisionFactoryImage } from "../../../sim/device/provision";
import { NorFlash } from "../../../sim/flash/nor-flash";
import { createFlashStorage } from "../../../sim/io/flash-storage";
import { createUpdateModule } from "../../../sim/io/update";

const image = (version: string) =>
  buildAppImage({ version, projectName: "fieldnode", secureVersion: 0, payload: new Uint8Array(10_000).fill(0x41) });

/** A device that booted ota_0 (valid), with flash storage and update modules as firmware sees them. */
function running() {
  const table = loadDevicePartitionTable();
  const flash = new NorFlash({ size: 4 * 1024 * 1024 });
  provisionFactoryImage(flash, table, image("1.0.0"));
  new Bootloader(flash, table).boot();
  const ops = new OtaOps(flash, table, { rollback: true, running: table.find("ota_0")! });
  const domain = new PowerDomain((error) => {
    throw error;
  });
  const storage = createFlashStorage(flash, table, { running: () => ops.getRunningPartition(), nextUpdate: () => ops.getNextUpdatePartition() }, domain);
  const update = createUpdateModule(() => ops, domain);
  const nextBoot = () => {
    const selection = new Bootloader(flash, table).boot();
    return { slot: selection.slot.name, version: selection.image.descriptor.version, state: selection.state };
  };
  return { table, flash, ops, storage, update, nextBoot };
}

describe("simulated embedded:update", () => {
  it("appends an image in chunks and makes it the next boot, on trial", () => {
    const { storage, update, nextBoot } = running();
    const bytes = image("2.0.0");
    const session = update.open({ partition: storage.open({ path: "nextota" }) });
    for (let at = 0; at < bytes.length; at += 1000) session.write(bytes.subarray(at, at + 1000));
    session.complete();
    expect(nextBoot()).toEqual({ slot: "ota_1", version: "2.0.0", state: "pending-verify" });
  });

  it("writes at offsets in mode w, in any order", () => {
    const { storage, update, nextBoot } = running();
    const bytes = image("2.1.0");
    const session = update.open({ partition: storage.open({ path: "nextota" }), mode: "w", byteLength: bytes.length });
    const half = 4096;
    session.write(bytes.subarray(half), half);
    session.write(bytes.subarray(0, half), 0);
    session.complete();
    expect(nextBoot().version).toBe("2.1.0");
  });

  it("refuses an offset in append mode", () => {
    const { storage, update } = running();
    const session = update.open({ partition: storage.open({ path: "nextota" }) });
    expect(() => session.write(image("2.0.0"), 0)).toThrow("offset not allowed");
  });

  it("refuses a byteLength larger than the slot", () => {
    const { storage, update } = running();
    expect(() => update.open({ partition: storage.open({ path: "nextota" }), mode: "w", byteLength: 0x1e0001 })).toThrow("invalid byteLength");
  });

  it("refuses to switch to an image that fails verification, and keeps booting the old one", () => {
    const { storage, update, nextBoot } = running();
    const bytes = image("2.0.0");
    bytes[bytes.length - 1]! ^= 0xff; // the appended SHA-256 no longer matches
    const session = update.open({ partition: storage.open({ path: "nextota" }) });
    session.write(bytes);
    expect(() => session.complete()).toThrow("end failed");
    expect(nextBoot()).toMatchObject({ slot: "ota_0", version: "1.0.0" });
  });

  it("switches nothing when closed before complete", () => {
    const { storage, update, nextBoot } = running();
    const session = update.open({ partition: storage.open({ path: "nextota" }) });
    session.write(image("2.0.0"));
    session.close();
    expect(nextBoot()).toMatchObject({ slot: "ota_0", version: "1.0.0" });
  });

  it("refuses writes after complete", () => {
    const { storage, update } = running();
    const session = update.open({ partition: storage.open({ path: "nextota" }) });
    session.write(image("2.0.0"));
    session.complete();
    expect(() => session.write(new Uint8Array(1))).toThrow("already complete");
  });

  it("refuses to begin while the running image is still on trial", () => {
    const { storage, update, table, flash } = running();
    const first = update.open({ partition: storage.open({ path: "nextota" }) });
    first.write(image("2.0.0"));
    first.complete();
    new Bootloader(flash, table).boot(); // ota_1 now PENDING_VERIFY
    const ops = new OtaOps(flash, table, { rollback: true, running: table.find("ota_1")! });
    const domain = new PowerDomain(() => {});
    const trialStorage = createFlashStorage(flash, table, { running: () => ops.getRunningPartition(), nextUpdate: () => ops.getNextUpdatePartition() }, domain);
    const trialUpdate = createUpdateModule(() => ops, domain);
    expect(() => trialUpdate.open({ partition: trialStorage.open({ path: "nextota" }) })).toThrow("begin failed");
  });

  it("opens only app slots", () => {
    const { storage, update } = running();
    expect(() => update.open({ partition: storage.open({ path: "settings" }) })).toThrow("partition not found");
  });
});
