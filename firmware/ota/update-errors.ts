import { OTA_ERROR_CODES, type OtaErrorCode } from "./errors";

/**
 * Why an update failed on its way to the image verifier: transport and
 * storage causes. Numbered from 32 so they never collide with the image codes
 * (errors.ts), which share the Modbus status register and MQTT status.
 */
export const UPDATE_ERROR_CODES = {
  /** Another update is in progress; the trigger was refused. */
  BUSY: 32,
  /** The server answered with a status other than 200/206. */
  HTTP_STATUS: 33,
  /** The connection failed or was dropped. */
  NETWORK: 34,
  /** No byte arrived for the stall timeout. */
  STALLED: 35,
  /** A 206 whose Content-Range does not start where the request asked, or names another length. */
  BAD_CONTENT_RANGE: 36,
  /** Reading, erasing or writing the inactive slot failed. */
  FLASH: 37,
  /** The download kept failing after every retry. */
  RETRIES_EXHAUSTED: 38,
  /** The image was verified but ESP-IDF refused to validate it or switch the boot partition. */
  BOOT_SWITCH: 39,
  /** The trigger was malformed (bad URL, missing fields). */
  BAD_REQUEST: 40,
  /** The running image is still on trial; ESP-IDF refuses to start an update until it is confirmed. */
  NOT_CONFIRMED: 41,
  /** The image verified, but is not the one the trigger named (version or SHA-256). */
  NOT_REQUESTED: 42,
  /** The new image failed its trial (a health check, or the deadline); the device went back to the previous one. */
  TRIAL_FAILED: 43,
  /** The new image was reset before confirming its trial (crash, watchdog, power): the bootloader went back to the previous one. */
  ROLLED_BACK: 44,
  /** A technician cancelled the update. */
  CANCELLED: 45,
} as const;

export type UpdateErrorCode = OtaErrorCode | keyof typeof UPDATE_ERROR_CODES;

export interface UpdateFailure {
  readonly code: UpdateErrorCode;
  readonly message: string;
}

/** The number a status register carries for a code. */
export function updateErrorNumber(code: UpdateErrorCode): number {
  return code in UPDATE_ERROR_CODES
    ? UPDATE_ERROR_CODES[code as keyof typeof UPDATE_ERROR_CODES]
    : OTA_ERROR_CODES[code as OtaErrorCode];
}
