/**
 * What the Modbus OTA status block shows. The OTA client fills it in; until
 * it does, the block reads as idle. Numbers are register values: never
 * renumber, only append.
 */
import type { SourceProvider } from "./sources";

export const OTA_STATE = {
  IDLE: 0,
  DOWNLOADING: 1,
  /** An image is being pushed to the device (PUT /ota). */
  RECEIVING: 2,
  /** Re-checking what an interrupted download left on flash. */
  RESUMING: 3,
  /** Verified; switching the boot partition. */
  INSTALLING: 4,
  REBOOTING: 5,
  FAILED: 6,
  /** The new image is running its trial boot. */
  TRIAL: 7,
  /** The new image passed its trial and keeps its slot. */
  CONFIRMED: 8,
  /** The new image failed its trial and is giving up its slot. */
  REJECTED: 9,
  /** The last update was rolled back; the previous image runs again. */
  ROLLED_BACK: 10,
} as const;

const STATE_NAMES = ["idle", "downloading", "receiving", "resuming", "installing", "rebooting", "failed", "trial", "confirmed", "rejected", "rolled-back"];

export interface OtaStatus {
  /** One of OTA_STATE. */
  readonly state: number;
  /** 0-100. */
  readonly progress: number;
  readonly bytesWritten: number;
  readonly imageSize: number;
  /** The last refusal's code (firmware/ota/errors.ts OTA_ERROR_CODES), 0 for none. */
  readonly lastError: number;
  /** "major.minor.patch" of the image being installed, "" when none. */
  readonly targetVersion: string;
  /** The version that ran before the last update, or after a rollback the one rejected; "" when none. */
  readonly previousVersion: string;
  /** True while an update writes flash: configuration writes are refused as busy. */
  readonly inProgress: boolean;
}

export const OTA_IDLE: OtaStatus = {
  state: OTA_STATE.IDLE,
  progress: 0,
  bytesWritten: 0,
  imageSize: 0,
  lastError: 0,
  targetVersion: "",
  previousVersion: "",
  inProgress: false,
};

/** What the status block needs from the OTA client (firmware/ota/ota-client.ts), structurally. */
export interface OtaClientView {
  readonly status: {
    readonly state: string;
    readonly bytes: number;
    readonly total: number | null | undefined;
    readonly percent: number;
    readonly version: string | null | undefined;
    readonly error: { readonly code: string } | null | undefined;
    readonly previous?: string | null;
  };
  readonly busy: boolean;
}

/** The status block's view of the OTA client; `errorNumber` numbers its failure codes. */
export function otaStatusOf(client: OtaClientView, errorNumber: (code: string) => number | undefined): () => OtaStatus {
  // One object, refreshed on each read: a master polling the block allocates nothing.
  const view = { ...OTA_IDLE };
  return () => {
    const status = client.status;
    const state = STATE_NAMES.indexOf(status.state);
    view.state = state < 0 ? OTA_STATE.IDLE : state;
    view.progress = status.percent;
    view.bytesWritten = status.bytes;
    view.imageSize = status.total ?? 0;
    view.lastError = status.error == null ? 0 : (errorNumber(status.error.code) ?? 0);
    view.targetVersion = status.version ?? "";
    view.previousVersion = status.previous ?? "";
    view.inProgress = client.busy;
    return view;
  };
}

/** "1.2.3-rc.1" → [1, 2, 3]; parts that are not numbers read as 0. */
export function versionParts(version: string): [number, number, number] {
  const match = /^(\d+)\.(\d+)\.(\d+)/.exec(version);
  if (match === null) return [0, 0, 0];
  return [Number(match[1]), Number(match[2]), Number(match[3])];
}

export function otaSource(status: () => OtaStatus): SourceProvider {
  // Parsed once per change of version, so a poll allocates nothing.
  const versionPart = (read: (s: OtaStatus) => string) => {
    let parsed = "";
    let parts: [number, number, number] = [0, 0, 0];
    return (i: number) => () => {
      const version = read(status());
      if (version !== parsed) {
        parsed = version;
        parts = version === "" ? [0, 0, 0] : versionParts(version);
      }
      return parts[i]!;
    };
  };
  const target = versionPart((s) => s.targetVersion);
  const previous = versionPart((s) => s.previousVersion);
  return {
    description: "OTA update status (firmware/modbus/ota-status.ts)",
    points: {
      state: { read: () => status().state },
      progress: { read: () => status().progress },
      bytesWritten: { read: () => status().bytesWritten },
      imageSize: { read: () => status().imageSize },
      lastError: { read: () => status().lastError },
      "target.major": { read: target(0) },
      "target.minor": { read: target(1) },
      "target.patch": { read: target(2) },
      "previous.major": { read: previous(0) },
      "previous.minor": { read: previous(1) },
      "previous.patch": { read: previous(2) },
      inProgress: { read: () => (status().inProgress ? 1 : 0) },
    },
  };
}
