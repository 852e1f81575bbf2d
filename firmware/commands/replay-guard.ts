import type { RecordStore } from "../config/record-store";
import { decodeUtf8, encodeUtf8 } from "../core/utf8";

/** Nonces remembered at once; each record stays under the record store's 4 KiB block. */
export const NONCE_SLOTS = 48;

interface Remembered {
  nonce: string;
  expires: number;
}

/**
 * Makes every signed command single-use, across reboots: the nonces of
 * accepted commands are kept in flash (otaprog blocks 6-7) until the command
 * would have expired anyway. When every slot holds a live nonce, the oldest
 * is dropped and the floor rises to its expiry: from then on, commands that
 * expire before the floor are refused too, so a forgotten nonce can never be
 * replayed. Revoked technician key ids live in the same record.
 */
export class ReplayGuard {
  readonly #store: RecordStore;
  #nonces: Remembered[] = [];
  #floor = 0;
  #revoked: string[] = [];
  /** After a record that would not load: commands issued before this (Unix s) are refused. */
  #issuedFloor = 0;

  /** `now` reads the wall clock in Unix seconds. */
  constructor(store: RecordStore, now: () => number) {
    this.#store = store;
    if (!this.#load()) this.#issuedFloor = now();
  }

  /** Key ids revoked on this device. */
  get revoked(): readonly string[] {
    return this.#revoked;
  }

  /** Commands expiring at or before this (Unix s) are refused as replays. */
  get floor(): number {
    return this.#floor;
  }

  seen(nonce: string, issued: number, expires: number): boolean {
    if (expires <= this.#floor || issued < this.#issuedFloor) return true;
    for (const remembered of this.#nonces) if (remembered.nonce === nonce) return true;
    return false;
  }

  /**
   * Remembers a command before it is acted on: if power fails after the
   * action, the command still cannot be replayed. `now` (Unix s) drops nonces
   * that have expired.
   */
  remember(nonce: string, expires: number, now: number): void {
    const live = this.#nonces.filter((n) => n.expires > now);
    live.push({ nonce, expires });
    live.sort((a, b) => a.expires - b.expires);
    while (live.length > NONCE_SLOTS) {
      const dropped = live.shift()!;
      if (dropped.expires > this.#floor) this.#floor = dropped.expires;
    }
    this.#nonces = live;
    this.#save();
  }

  revoke(keyId: string): void {
    if (this.#revoked.includes(keyId)) return;
    this.#revoked = [...this.#revoked, keyId];
    this.#save();
  }

  #save(): void {
    this.#store.save(encodeUtf8(JSON.stringify({ floor: this.#floor, nonces: this.#nonces.map((n) => [n.nonce, n.expires]), revoked: this.#revoked })));
  }

  /** False when a record is there but cannot be read. */
  #load(): boolean {
    const record = this.#store.load();
    if (record === undefined || record.payload.length === 0) return true;
    try {
      const value = JSON.parse(decodeUtf8(record.payload)) as Record<string, unknown>;
      if (Number.isInteger(value.floor)) this.#floor = value.floor as number;
      if (Array.isArray(value.nonces)) {
        for (const entry of value.nonces as unknown[]) {
          if (Array.isArray(entry) && typeof entry[0] === "string" && Number.isInteger(entry[1])) this.#nonces.push({ nonce: entry[0], expires: entry[1] as number });
        }
      }
      if (Array.isArray(value.revoked)) this.#revoked = (value.revoked as unknown[]).filter((id): id is string => typeof id === "string");
      return true;
    } catch {
      // The CRC passed but the JSON did not: the nonces are lost, so nothing
      // issued before this boot is trusted to be fresh.
      return false;
    }
  }
}
