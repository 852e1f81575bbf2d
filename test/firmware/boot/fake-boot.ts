import type { BootControl, ImageState, ResetReason } from "../../../firmware/boot/boot-control";

/** A BootControl that records what the firmware asked of it. */
export function fakeBoot(state: ImageState, reason: ResetReason = "power-on", slot = "ota_1") {
  const calls: string[] = [];
  let rollbackPossible = true;
  const boot: BootControl = {
    runningSlot: () => slot,
    imageState: () => state,
    slotState: (label) => (label === slot ? state : "undefined"),
    markValid: () => {
      calls.push("markValid");
      state = "valid";
    },
    markInvalidAndReboot: () => {
      if (!rollbackPossible) throw new Error("ESP_ERR_OTA_ROLLBACK_FAILED");
      calls.push("markInvalidAndReboot");
    },
    restart: () => calls.push("restart"),
    resetReason: () => reason,
    feedWatchdog: () => {},
  };
  return {
    boot,
    calls,
    setReason: (r: ResetReason) => (reason = r),
    noRollback: () => (rollbackPossible = false),
  };
}
