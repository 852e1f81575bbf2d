import type { RecordStore } from "../config/record-store";
import { decodeUtf8, encodeUtf8 } from "../core/utf8";
import type { TimerId, TimerService } from "../host/timer";
import type { BootControl, ResetReason } from "./boot-control";

/** Resets that mean the firmware itself failed. */
const UNCLEAN: ReadonlySet<ResetReason> = new Set(["panic", "task-watchdog", "interrupt-watchdog", "other-watchdog"]);
/** Resets someone chose: a power cycle, a reset button, esp_restart after an update. They start a fresh count. */
const DELIBERATE: ReadonlySet<ResetReason> = new Set(["power-on", "external", "software", "deep-sleep"]);

export type BootLoopAction = "run" | "rollback" | "safe-mode";

export interface BootLoopVerdict {
  action: BootLoopAction;
  /** Consecutive unclean resets of this image, this boot included. */
  unclean: number;
}

interface Record {
  slot: string;
  version: string;
  unclean: number;
}

export interface BootLoopGuardOptions {
  store: RecordStore;
  boot: BootControl;
  timer: TimerService;
  log: (line: string) => void;
  version: string;
  /** Unclean resets in a row that make an image a boot loop. */
  threshold?: number;
  /** Running this long clears the count. */
  stableMs?: number;
}

/**
 * Boot-loop protection for images that already passed their trial (a trial
 * image gets one boot from the bootloader and needs no help): a valid image
 * that keeps crashing after, say, a configuration change or a sensor fault it
 * cannot handle. Consecutive panic and watchdog resets of the same image are
 * counted in flash; at the threshold the image is marked invalid so the
 * previous one boots, or, with nothing to go back to, the device starts in a
 * safe mode that keeps only what is needed to repair it. A minute of stable
 * running clears the count, so isolated crashes never trigger it.
 */
export class BootLoopGuard {
  readonly #options: BootLoopGuardOptions;
  #stable: TimerId | undefined;
  #record: Record = { slot: "", version: "", unclean: 0 };

  constructor(options: BootLoopGuardOptions) {
    this.#options = options;
  }

  check(): BootLoopVerdict {
    const { boot, version, log } = this.#options;
    const threshold = this.#options.threshold ?? 3;
    const slot = boot.runningSlot();
    const stored = this.#load();
    if (stored !== undefined) this.#record = stored;
    const reason = boot.resetReason();
    const sameImage = stored !== undefined && stored.slot === slot && stored.version === version;
    let unclean = sameImage ? stored.unclean : 0;
    if (UNCLEAN.has(reason)) unclean++;
    else if (DELIBERATE.has(reason)) unclean = 0;
    this.#save({ slot, version, unclean });

    if (unclean < threshold || boot.imageState() === "pending-verify") return { action: "run", unclean };
    log(`boot-loop: ${unclean} ${reason} resets in a row of ${version} in ${slot}`);
    return { action: boot.imageState() === "valid" ? "rollback" : "safe-mode", unclean };
  }

  /** Rolls back to the previous image; returns false when there is none (then run in safe mode). */
  rollback(): boolean {
    try {
      this.#options.log("boot-loop: marking this image invalid and rebooting into the previous one");
      this.#options.boot.markInvalidAndReboot();
      return true;
    } catch (error) {
      this.#options.log(`boot-loop: no image to roll back to (${error instanceof Error ? error.message : String(error)}); starting in safe mode`);
      return false;
    }
  }

  /** Clears the count once the image has run for stableMs. */
  armStableTimer(): void {
    const stableMs = this.#options.stableMs ?? 60_000;
    this.#stable = this.#options.timer.set(() => {
      this.#stable = undefined;
      if (this.#record.unclean > 0) {
        this.#options.log(`boot-loop: stable for ${stableMs} ms; clearing ${this.#record.unclean} unclean resets`);
        this.#save({ ...this.#record, unclean: 0 });
      }
    }, stableMs);
  }

  stop(): void {
    if (this.#stable !== undefined) this.#options.timer.clear(this.#stable);
    this.#stable = undefined;
  }

  #load(): Record | undefined {
    const stored = this.#options.store.load();
    if (stored === undefined) return undefined;
    try {
      const value = JSON.parse(decodeUtf8(stored.payload)) as Partial<Record>;
      if (typeof value.slot === "string" && typeof value.version === "string" && Number.isInteger(value.unclean)) {
        return { slot: value.slot, version: value.version, unclean: value.unclean! };
      }
    } catch {
      // A damaged record counts as no history.
    }
    return undefined;
  }

  /** Writes only when something changed: a clean boot of a stable image costs no flash erase. */
  #save(record: Record): void {
    const previous = this.#record;
    if (previous.slot === record.slot && previous.version === record.version && previous.unclean === record.unclean) return;
    this.#record = record;
    this.#options.store.save(encodeUtf8(JSON.stringify(record)));
  }
}
