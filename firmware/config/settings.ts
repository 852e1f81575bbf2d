import { decodeUtf8, encodeUtf8 } from "../core/utf8";
import type { RecordStore } from "./record-store";

/**
 * A capability's slice of the device configuration: its defaults and a
 * validator that turns stored JSON into a typed value or explains, field by
 * field, what is wrong with it.
 */
export interface SettingsSection<T> {
  readonly name: string;
  readonly defaults: T;
  /** Returns the value, or throws SettingsError naming the offending field. */
  validate(value: unknown): T;
}

export class SettingsError extends Error {}

type Document = Record<string, unknown>;

/**
 * The device configuration as one JSON document in a RecordStore, so that an
 * update either lands whole or not at all. A section whose stored value no
 * longer validates (an older firmware wrote it, or it was damaged) falls back
 * to its defaults and says so, instead of bricking the device.
 */
export class Settings {
  readonly #store: RecordStore;
  readonly #log: (line: string) => void;
  #document: Document = {};
  #sequence = 0;

  constructor(store: RecordStore, log: (line: string) => void) {
    this.#store = store;
    this.#log = log;
  }

  /** Reads the stored document; returns the record's sequence, 0 when nothing was stored. */
  load(): number {
    const record = this.#store.load();
    this.#document = {};
    this.#sequence = 0;
    if (record === undefined) return 0;
    try {
      const parsed: unknown = JSON.parse(decodeUtf8(record.payload));
      if (parsed !== null && typeof parsed === "object" && !Array.isArray(parsed)) this.#document = parsed as Document;
      else this.#log("settings: stored record is not an object; using defaults");
    } catch {
      this.#log("settings: stored record is not JSON; using defaults");
    }
    this.#sequence = record.sequence;
    return record.sequence;
  }

  get sequence(): number {
    return this.#sequence;
  }

  get<T>(section: SettingsSection<T>): T {
    const stored = this.#document[section.name];
    if (stored === undefined) return section.defaults;
    try {
      return section.validate(stored);
    } catch (error) {
      this.#log(`settings: ${section.name} ignored (${error instanceof Error ? error.message : String(error)}); using defaults`);
      return section.defaults;
    }
  }

  /** Validates and persists a section; nothing is written if it does not validate. */
  set<T>(section: SettingsSection<T>, value: T): void {
    const valid = section.validate(value);
    const next: Document = { ...this.#document, [section.name]: valid };
    this.#sequence = this.#store.save(encodeUtf8(JSON.stringify(next)));
    this.#document = next;
  }
}
