import FFI from "mc/ffi";
import { imageStateFromCode, resetReasonFromCode, type BootControl } from "../../boot/boot-control";

const ESP_OK = 0;

/**
 * BootControl over ESP-IDF, through the functions the manifest declares under
 * "ffi". Errors from ESP-IDF are thrown with their esp_err_t so a trace shows
 * exactly which call failed.
 */
export function createEsp32BootControl(): BootControl {
  const natives = new FFI();
  const call = (name: string, arg?: number): number => (arg === undefined ? natives[name]!() : natives[name]!(arg)) as number;
  const fail = (name: string, err: number): never => {
    throw new Error(`${name} failed: esp_err_t 0x${(err >>> 0).toString(16)}`);
  };
  const check = (name: string): void => {
    const err = call(name);
    if (err !== ESP_OK) fail(name, err);
  };
  // Looked up once: the supervisor feeds every second for the device's life.
  const feed = natives.fieldnode_watchdog_feed!;
  let subscribed = false;

  return {
    runningSlot: () => natives.fieldnode_running_label!() as string,
    imageState: () => imageStateFromCode(call("fieldnode_running_state")),
    slotState: (slot) => {
      const index = /^ota_(\d+)$/.exec(slot);
      return index === null ? "undefined" : imageStateFromCode(call("fieldnode_slot_state", Number(index[1])));
    },
    markValid: () => check("esp_ota_mark_app_valid_cancel_rollback"),
    markInvalidAndReboot: () => check("esp_ota_mark_app_invalid_rollback_and_reboot"),
    restart: () => {
      call("esp_restart");
    },
    resetReason: () => resetReasonFromCode(call("esp_reset_reason")),
    feedWatchdog: () => {
      if (!subscribed) {
        check("fieldnode_watchdog_subscribe");
        subscribed = true;
      }
      const err = feed() as number;
      if (err !== ESP_OK) fail("fieldnode_watchdog_feed", err);
    },
  };
}
