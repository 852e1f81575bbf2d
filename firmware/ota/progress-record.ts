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

/** A download's record with its `durable` value cut out: see ProgressRecord#encode. */
interface Template {
  /** Everything but the header bytes and `durable`, key order included. */
  shape: string;
  header: Uint8Array;
  before: Uint8Array;
  after: Uint8Array;
}

export class ProgressRecord {
  readonly #store: RecordStore;
  #template: Template | undefined;

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
    this.#store.save(this.#encode(progress));
  }

  /**
   * encodeUtf8(JSON.stringify({ ...progress, header: toHex(progress.header) })),
   * byte for byte. A download saves its progress every 64 KiB with nothing
   * but `durable` changed, so the text around that number (the URL, the
   * header in hex) is formatted and encoded once per download, not at every
   * checkpoint. Splitting UTF-8 at ASCII characters changes no byte.
   */
  #encode(progress: DownloadProgress): Uint8Array {
    const shape = JSON.stringify({ ...progress, header: "", durable: 0 });
    let template = this.#template;
    if (template === undefined || template.shape !== shape || !sameBytes(template.header, progress.header)) {
      const text = JSON.stringify({ ...progress, header: toHex(progress.header), durable: 0 });
      // Inside a JSON string every quote is escaped, so this can only be the key itself.
      const at = text.indexOf(DURABLE_ZERO);
      if (at < 0) return encodeUtf8(JSON.stringify({ ...progress, header: toHex(progress.header) }));
      const cut = at + DURABLE_ZERO.length - 1;
      template = { shape, header: progress.header.slice(), before: encodeUtf8(text.slice(0, cut)), after: encodeUtf8(text.slice(cut + 1)) };
      this.#template = template;
    }
    const digits = JSON.stringify(progress.durable);
    const { before, after } = template;
    const out = new Uint8Array(before.length + digits.length + after.length);
    out.set(before, 0);
    for (let i = 0; i < digits.length; i++) out[before.length + i] = digits.charCodeAt(i);
    out.set(after, before.length + digits.length);
    return out;
  }

  /** An empty record: nothing to resume. */
  clear(): void {
    if (this.#store.load()?.payload.length) this.#store.save(new Uint8Array(0));
  }
}

const DURABLE_ZERO = '"durable":0';

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
