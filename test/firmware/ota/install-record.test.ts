import { describe, expect, it } from "vitest";
import type { BootControl, ImageState } from "../../../firmware/boot/boot-control";
import { RecordStore } from "../../../firmware/config/record-store";
import { InstallRecords, type InstallRecord } from "../../../firmware/ota/install-record";
import { deviceFlash } from "../config/flash-fixture";

function boot(running: string, slots: Record<string, ImageState>): BootControl {
  return {
    runningSlot: () => running,
    imageState: () => slots[running] ?? "undefined",
    slotState: (slot) => slots[slot] ?? "undefined",
    markValid: () => {},
    markInvalidAndReboot: () => {},
    restart: () => {},
    resetReason: () => "software",
    feedWatchdog: () => {},
  };
}

const v2: InstallRecord = { version: "2.0.0", slot: "ota_1", from: "1.0.0", fromSlot: "ota_0", nonce: "ab".repeat(16), stage: "installing" };

function records() {
  const { storage } = deviceFlash();
  const open = () => new InstallRecords(new RecordStore(storage.open({ path: "otaprog" }), 8));
  return { first: open(), reopen: open };
}

describe("InstallRecords", () => {
  it("finds nothing on a device that was never updated", () => {
    expect(records().first.verdict(boot("ota_0", { ota_0: "undefined" }), "1.0.0")).toEqual({ kind: "none" });
  });

  it("tells the new image, after the restart, that it was just installed", () => {
    const { first, reopen } = records();
    first.begin(v2);
    expect(reopen().verdict(boot("ota_1", { ota_1: "pending-verify" }), "2.0.0")).toEqual({ kind: "installed", record: v2 });
  });

  it("tells the old image that the new one was rolled back after a crash (slot aborted)", () => {
    const { first, reopen } = records();
    first.begin(v2);
    expect(reopen().verdict(boot("ota_0", { ota_0: "valid", ota_1: "aborted" }), "1.0.0")).toEqual({ kind: "rolled-back", record: v2, firstReport: true });
  });

  it("keeps the trial's reason for the old image, and reports the rollback as new only once", () => {
    const { first, reopen } = records();
    first.begin(v2);
    first.update({ outcome: "rejected", reason: "check sensors failed" });
    const after = reopen();
    const verdict = after.verdict(boot("ota_0", { ota_0: "valid", ota_1: "invalid" }), "1.0.0");
    expect(verdict).toEqual({ kind: "rolled-back", record: { ...v2, outcome: "rejected", reason: "check sensors failed" }, firstReport: true });
    after.update({ reported: true });
    expect(reopen().verdict(boot("ota_0", { ota_0: "valid", ota_1: "invalid" }), "1.0.0")).toMatchObject({ kind: "rolled-back", firstReport: false });
  });

  it("calls an install that never switched the boot partition stale, not a rollback", () => {
    const { first, reopen } = records();
    first.begin(v2);
    expect(reopen().verdict(boot("ota_0", { ota_0: "valid" }), "1.0.0")).toEqual({ kind: "stale", record: v2 });
  });

  it("does not mistake an old ABORTED slot for a rollback of a download still in progress", () => {
    const { first, reopen } = records();
    first.begin({ ...v2, version: "3.0.0", stage: "downloading" });
    expect(reopen().verdict(boot("ota_0", { ota_0: "valid", ota_1: "aborted" }), "1.0.0")).toMatchObject({ kind: "stale" });
  });

  it("forgets an abandoned install", () => {
    const { first, reopen } = records();
    first.begin(v2);
    first.abandon();
    expect(reopen().current).toBeUndefined();
  });
});
