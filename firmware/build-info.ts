/**
 * Facts fixed when an image is built (esbuild `define`), so that the version a
 * device reports is the version that was signed, not a value read at run time.
 */
declare const __FIELDNODE_VERSION__: string;
declare const __FIELDNODE_BUILD_FAULT__: string;
declare const __FIELDNODE_TARGET__: string;
declare const __FIELDNODE_SECURITY_COUNTER__: number;
declare const __FIELDNODE_TRUSTED_KEYS__: readonly string[];
declare const __FIELDNODE_TECHNICIAN_KEYS__: readonly string[];

export const FIRMWARE_VERSION: string = __FIELDNODE_VERSION__;

/** The board this build runs on: OTA images must be signed for it, or for its chip. */
export const FIRMWARE_TARGET: string = __FIELDNODE_TARGET__;

/** This build's anti-rollback counter (the security counter its image was signed with). */
export const SECURITY_COUNTER: number = __FIELDNODE_SECURITY_COUNTER__;

/** Public key files of the keys whose signed images this device accepts. */
export const TRUSTED_KEYS: readonly string[] = __FIELDNODE_TRUSTED_KEYS__;

/** Public key files (Ed25519) of the technicians whose signed commands this device obeys. */
export const TECHNICIAN_KEYS: readonly string[] = __FIELDNODE_TECHNICIAN_KEYS__;

/**
 * Deliberately broken builds, so that rollback is tested against images that
 * really fail the way field failures do. "none" in every release build.
 */
export type BuildFault = "none" | "crash-at-boot" | "fail-self-test" | "starve-watchdog" | "crash-after-trial";

const FAULTS: readonly BuildFault[] = ["none", "crash-at-boot", "fail-self-test", "starve-watchdog", "crash-after-trial"];

export const BUILD_FAULT: BuildFault = FAULTS.includes(__FIELDNODE_BUILD_FAULT__ as BuildFault)
  ? (__FIELDNODE_BUILD_FAULT__ as BuildFault)
  : "none";
