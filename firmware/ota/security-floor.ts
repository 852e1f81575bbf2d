import type { RecordStore } from "../config/record-store";

/**
 * The anti-rollback floor: the highest security counter of any image this
 * device has confirmed. Images signed with a lower counter are refused even
 * when a downgrade is allowed. Raised only when an image is confirmed valid,
 * so a rejected trial can never lock the device out of the image it returns
 * to. Kept in otaprog (blocks 4-5); the ESP32's eFuse-based
 * CONFIG_BOOTLOADER_APP_ANTI_ROLLBACK would make it irreversible in silicon.
 */
export class SecurityFloor {
  readonly #store: RecordStore;
  #value: number;

  constructor(store: RecordStore) {
    this.#store = store;
    const record = store.load();
    this.#value = record !== undefined && record.payload.length === 4 ? new DataView(record.payload.buffer).getUint32(0, true) : 0;
  }

  get value(): number {
    return this.#value;
  }

  /** Raises the floor to `counter`; never lowers it. */
  raise(counter: number): void {
    if (counter <= this.#value) return;
    const payload = new Uint8Array(4);
    new DataView(payload.buffer).setUint32(0, counter, true);
    this.#store.save(payload);
    this.#value = counter;
  }
}
