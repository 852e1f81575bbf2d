/**
 * Facts fixed when an image is built (esbuild `define`), so that the version a
 * device reports is the version that was signed, not a value read at run time.
 */
declare const __FIELDNODE_VERSION__: string;
declare const __FIELDNODE_BUILD_FAULT__: string;

export const FIRMWARE_VERSION: string = __FIELDNODE_VERSION__;

/**
 * Deliberately broken builds, so that rollback is tested against images that
 * really fail the way field failures do. "none" in every release build.
 */
export type BuildFault = "none" | "crash-at-boot" | "fail-self-test" | "starve-watchdog" | "crash-after-trial";

const FAULTS: readonly BuildFault[] = ["none", "crash-at-boot", "fail-self-test", "starve-watchdog", "crash-after-trial"];

export const BUILD_FAULT: BuildFault = FAULTS.includes(__FIELDNODE_BUILD_FAULT__ as BuildFault)
  ? (__FIELDNODE_BUILD_FAULT__ as BuildFault)
  : "none";
