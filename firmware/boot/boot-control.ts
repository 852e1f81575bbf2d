/**
 * Device facilities with no ECMA-419 class: the app image's rollback state,
 * restarting, the task watchdog. On ESP32 these are esp_ota_* / esp_restart /
 * esp_task_wdt_* calls through mc/ffi; in the simulator, the bootloader model.
 */

/** esp_ota_img_states_t, by name. */
export type ImageState = "new" | "pending-verify" | "valid" | "invalid" | "aborted" | "undefined";

/** esp_reset_reason_t, by name. */
export type ResetReason =
  | "unknown"
  | "power-on"
  | "external"
  | "software"
  | "panic"
  | "interrupt-watchdog"
  | "task-watchdog"
  | "other-watchdog"
  | "deep-sleep"
  | "brownout";

export interface BootControl {
  /** Label of the app partition that is running, e.g. "ota_0". */
  runningSlot(): string;
  /** Rollback state of the running image. */
  imageState(): ImageState;
  /**
   * Rollback state of an app slot by label (esp_ota_get_state_partition):
   * after a rollback the slot that was tried reads "aborted" or "invalid".
   */
  slotState(slot: string): ImageState;
  /** esp_ota_mark_app_valid_cancel_rollback: the trial image keeps its slot. */
  markValid(): void;
  /** esp_ota_mark_app_invalid_rollback_and_reboot: does not return on the device. */
  markInvalidAndReboot(): void;
  /** esp_restart: does not return on the device. */
  restart(): void;
  resetReason(): ResetReason;
  /**
   * Resets the firmware's own task-watchdog entry (esp_task_wdt_reset_user on
   * the device). The event loop's task entry is reset by the host on every
   * turn, so only this one notices a loop that turns but no longer samples.
   */
  feedWatchdog(): void;
}

const RESET_REASONS: readonly ResetReason[] = [
  "unknown",
  "power-on",
  "external",
  "software",
  "panic",
  "interrupt-watchdog",
  "task-watchdog",
  "other-watchdog",
  "deep-sleep",
  "brownout",
];

/** Maps esp_reset_reason_t's numbering (ESP_RST_UNKNOWN = 0 ... ESP_RST_BROWNOUT = 9). */
export function resetReasonFromCode(code: number): ResetReason {
  return RESET_REASONS[code] ?? "unknown";
}

/** The esp_reset_reason_t number of a reason (status registers report it). */
export function resetReasonCode(reason: ResetReason): number {
  return Math.max(0, RESET_REASONS.indexOf(reason));
}

const IMAGE_STATES: Readonly<Record<number, ImageState>> = {
  0: "new",
  1: "pending-verify",
  2: "valid",
  3: "invalid",
  4: "aborted",
  0xffffffff: "undefined",
};

/** Maps esp_ota_img_states_t (ESP_OTA_IMG_NEW = 0 ... ESP_OTA_IMG_UNDEFINED = 0xFFFFFFFF). */
export function imageStateFromCode(code: number): ImageState {
  return IMAGE_STATES[code >>> 0] ?? "undefined";
}

/** The esp_ota_img_states_t number of a state (0xFFFFFFFF for "undefined"). */
export function imageStateCode(state: ImageState): number {
  for (const [code, name] of Object.entries(IMAGE_STATES)) if (name === state) return Number(code);
  return 0xffffffff;
}
