import type { RecordStore } from "../config/record-store";
import { decodeUtf8, encodeUtf8 } from "../core/utf8";
import { fromHex, toHex } from "../crypto/hex";

/**
 * What a reboot must know to resume a download: which image, from where, its
 * authenticated header, and how much of its payload is on flash for sure
 * (always a block boundary). Kept in the otaprog partition (blocks 0-1).
 */
export interface DownloadProgress {
  url: string;
  /** The slot being written, so a record is dropped once that slot runs. */
  slot: string;
  /** Total image length (header + payload). */
  imageLength: number;
  /** The image header exactly as received. */
  header: Uint8Array;
  /** Payload bytes known to be written, a multiple of the flash block. */
  durable: number;
  /** What the trigger asked for, checked again after the image verifies. */
  expectVersion?: string;
  expectSha256?: string;
}

export class ProgressRecord {
  readonly #store: RecordStore;

  constructor(store: RecordStore) {
    this.#store = store;
  }

  load(): DownloadProgress | undefined {
    const record = this.#store.load();
    if (record === undefined || record.payload.length === 0) return undefined;
    try {
      const value = JSON.parse(decodeUtf8(record.payload)) as Record<string, unknown>;
      const header = typeof value.header === "string" ? fromHex(value.header) : undefined;
      if (
        typeof value.url !== "string" || typeof value.slot !== "string" || header === undefined ||
        !Number.isInteger(value.imageLength) || !Number.isInteger(value.durable)
      ) return undefined;
      return {
        url: value.url,
        slot: value.slot,
        imageLength: value.imageLength as number,
        header,
        durable: value.durable as number,
        ...(typeof value.expectVersion === "string" ? { expectVersion: value.expectVersion } : {}),
        ...(typeof value.expectSha256 === "string" ? { expectSha256: value.expectSha256 } : {}),
      };
    } catch {
      return undefined;
    }
  }

  save(progress: DownloadProgress): void {
    this.#store.save(encodeUtf8(JSON.stringify({ ...progress, header: toHex(progress.header) })));
  }

  /** An empty record: nothing to resume. */
  clear(): void {
    if (this.#store.load()?.payload.length) this.#store.save(new Uint8Array(0));
  }
}
