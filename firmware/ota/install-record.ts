import type { BootControl } from "../boot/boot-control";
import type { RecordStore } from "../config/record-store";
import { decodeUtf8, encodeUtf8 } from "../core/utf8";

/**
 * The last install, remembered across the restart it ends with (otaprog
 * blocks 8-9), so that whichever image boots next can tell the technician
 * what became of it: the new image knows it is on trial and which version
 * it replaced; the old image, finding itself running again, knows the new
 * one was rolled back and why. ESP-IDF's otadata says which slot runs, not
 * which update that was or why a trial failed.
 */
export interface InstallRecord {
  /** The version written to `slot`. */
  version: string;
  slot: string;
  /** The version and slot that installed it. */
  from: string;
  fromSlot: string;
  /** The nonce of the signed command that started it, if a command did. */
  nonce: string | null;
  /**
   * "downloading" from the command that started it (so a resumed download
   * still knows its nonce), "installing" from just before complete().
   * A slot keeps its ABORTED state until the next install switches to it,
   * so only an install that got that far can have been rolled back.
   */
  stage: "downloading" | "installing";
  /** Set by the new image when its trial ends. */
  outcome?: "confirmed" | "rejected";
  /** Why the trial rejected the image. */
  reason?: string;
  /** The rollback was reported: later boots only keep `previous`. */
  reported?: boolean;
}

/** What the record means for the image that booted. */
export type InstallVerdict =
  | { readonly kind: "none" }
  /** This image was just installed and is on trial (or has finished it: see record.outcome). */
  | { readonly kind: "installed"; readonly record: InstallRecord }
  /** This image installed the record's image, which was then rolled back; `reason` when its trial said why. */
  | { readonly kind: "rolled-back"; readonly record: InstallRecord; readonly firstReport: boolean }
  /** The install never switched the boot partition (failure or power cut before complete()): nothing happened. */
  | { readonly kind: "stale"; readonly record: InstallRecord };

export class InstallRecords {
  readonly #store: RecordStore;
  #current: InstallRecord | undefined;

  constructor(store: RecordStore) {
    this.#store = store;
    this.#current = this.#load();
  }

  get current(): InstallRecord | undefined {
    return this.#current;
  }

  /** Before complete() switches the boot partition: a power cut after it still leaves the record. */
  begin(record: InstallRecord): void {
    this.#save(record);
  }

  /** The install failed before switching: forget it. */
  abandon(): void {
    if (this.#current === undefined) return;
    this.#current = undefined;
    this.#store.save(new Uint8Array(0));
  }

  update(changes: Partial<InstallRecord>): void {
    if (this.#current === undefined) return;
    this.#save({ ...this.#current, ...changes });
  }

  /** Classifies the record for the image running now (`version` in `boot.runningSlot()`). */
  verdict(boot: BootControl, version: string): InstallVerdict {
    const record = this.#current;
    if (record === undefined) return { kind: "none" };
    const running = boot.runningSlot();
    if (running === record.slot && version === record.version) return { kind: "installed", record };
    if (running === record.fromSlot) {
      if (record.stage !== "installing") return { kind: "stale", record };
      const state = boot.slotState(record.slot);
      // ESP-IDF marks a slot ABORTED when its trial image is reset before
      // confirming, INVALID when the image gave up its slot (or failed the
      // bootloader's checks): either way, a rollback.
      if (state === "aborted" || state === "invalid" || record.outcome === "rejected") {
        return { kind: "rolled-back", record, firstReport: record.reported !== true };
      }
      if (record.outcome !== "confirmed") return { kind: "stale", record };
    }
    return { kind: "none" };
  }

  #save(record: InstallRecord): void {
    this.#store.save(encodeUtf8(JSON.stringify(record)));
    this.#current = record;
  }

  #load(): InstallRecord | undefined {
    const stored = this.#store.load();
    if (stored === undefined || stored.payload.length === 0) return undefined;
    try {
      const value = JSON.parse(decodeUtf8(stored.payload)) as Record<string, unknown>;
      const { version, slot, from, fromSlot, nonce } = value;
      if (typeof version !== "string" || typeof slot !== "string" || typeof from !== "string" || typeof fromSlot !== "string") return undefined;
      return {
        version,
        slot,
        from,
        fromSlot,
        nonce: typeof nonce === "string" ? nonce : null,
        stage: value.stage === "downloading" ? "downloading" : "installing",
        ...(value.outcome === "confirmed" || value.outcome === "rejected" ? { outcome: value.outcome } : {}),
        ...(typeof value.reason === "string" ? { reason: value.reason } : {}),
        ...(value.reported === true ? { reported: true } : {}),
      };
    } catch {
      return undefined;
    }
  }
}
