import type { OtaFailure } from "./errors";
import type { ImageHeader } from "./image-format";
import { compareSemver, formatSemver, type Semver } from "./semver";

/**
 * What this device will install, checked against a header whose signature
 * has already verified (so an attacker cannot choose which check fails).
 */
export interface UpdatePolicy {
  /**
   * The device's own target, "chip" or "chip/board". It accepts images built
   * for exactly that target, and images built for its chip alone (a generic
   * build). null skips the check: host tools that do not know the device.
   */
  readonly target: string | null;
  /** The running firmware's version; null skips the downgrade check (host tools). */
  readonly currentVersion: Semver | null;
  /** The anti-rollback floor: images with a lower security counter are refused, always. */
  readonly minSecurityCounter: number;
  /** A technician's explicit consent to install an older version (the counter floor still holds). */
  readonly allowDowngrade: boolean;
  /** The app partition's size: the largest payload that fits. */
  readonly maxPayloadLength: number;
}

export function targetAccepts(deviceTarget: string, imageTarget: string): boolean {
  if (imageTarget === deviceTarget) return true;
  const slash = deviceTarget.indexOf("/");
  return slash > 0 && imageTarget === deviceTarget.slice(0, slash);
}

/**
 * The first policy violation, in a fixed order (target, size, announced
 * length, security counter, version), or undefined. The counter comes before
 * the version because it cannot be overridden: a downgrade that is also
 * below the floor is reported as what no technician can allow.
 */
export function policyFailure(header: ImageHeader, policy: UpdatePolicy, expectedImageLength: number | undefined): OtaFailure | undefined {
  if (policy.target !== null && !targetAccepts(policy.target, header.target)) {
    return { code: "WRONG_TARGET", message: `image is for "${header.target}", this device is "${policy.target}"` };
  }
  if (header.payloadLength > policy.maxPayloadLength) {
    return { code: "TOO_LARGE", message: `payload of ${header.payloadLength} bytes does not fit the ${policy.maxPayloadLength}-byte app partition` };
  }
  const imageLength = header.headerLength + header.payloadLength;
  if (expectedImageLength !== undefined && expectedImageLength !== imageLength) {
    return { code: "LENGTH_MISMATCH", message: `transport announced ${expectedImageLength} bytes, the header describes ${imageLength}` };
  }
  if (header.securityCounter < policy.minSecurityCounter) {
    return { code: "COUNTER_TOO_LOW", message: `security counter ${header.securityCounter} is below this device's floor of ${policy.minSecurityCounter}` };
  }
  if (policy.currentVersion !== null && !policy.allowDowngrade && compareSemver(header.version, policy.currentVersion) < 0) {
    return {
      code: "DOWNGRADE",
      message: `version ${formatSemver(header.version)} is older than the running ${formatSemver(policy.currentVersion)} (downgrades must be allowed explicitly)`,
    };
  }
  return undefined;
}
