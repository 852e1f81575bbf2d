import { ffiCalls } from "./probe";

/**
 * `mc/ffi` with the functions manifest.json declares, answering as ESP-IDF
 * does on a device running ota_0 as a valid image after a power-on reset.
 * Calls are counted so a scenario can check what the platform code invoked.
 */
const ESP_OK = 0;
const answers: Record<string, () => number | string | undefined> = {
  fieldnode_running_state: () => 2, // ESP_OTA_IMG_VALID
  fieldnode_running_label: () => "ota_0",
  fieldnode_watchdog_subscribe: () => ESP_OK,
  fieldnode_watchdog_feed: () => ESP_OK,
  esp_ota_mark_app_valid_cancel_rollback: () => ESP_OK,
  esp_ota_mark_app_invalid_rollback_and_reboot: () => ESP_OK,
  esp_reset_reason: () => 1, // ESP_RST_POWERON
  esp_restart: () => undefined,
};

export default class FFI {
  constructor() {
    for (const [name, answer] of Object.entries(answers)) {
      (this as Record<string, unknown>)[name] = (..._args: unknown[]) => {
        ffiCalls[name] = (ffiCalls[name] ?? 0) + 1;
        return answer();
      };
    }
  }
}
