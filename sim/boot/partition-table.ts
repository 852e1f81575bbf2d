/**
 * ESP-IDF's partition table, read from the same CSV that gen_esp32part.py
 * turns into the binary table on the device, so the simulator and the chip
 * can never disagree about where otadata and the app slots are.
 */

export const PartitionType = { APP: 0x00, DATA: 0x01 } as const;

export const AppSubtype = { FACTORY: 0x00, OTA_0: 0x10, TEST: 0x20 } as const;

export const DataSubtype = { OTA: 0x00, PHY: 0x01, NVS: 0x02, COREDUMP: 0x03, NVS_KEYS: 0x04, EFUSE: 0x05 } as const;

export interface PartitionEntry {
  readonly name: string;
  /** esp_partition_type_t: 0 app, 1 data, 0x40-0xFE custom. */
  readonly type: number;
  /** esp_partition_subtype_t, e.g. 0x10 + n for ota_n, 0x00 for otadata. */
  readonly subtype: number;
  readonly offset: number;
  readonly size: number;
  readonly encrypted: boolean;
  readonly readonly: boolean;
}

export class PartitionTableError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "PartitionTableError";
  }
}

export interface ParseOptions {
  /** Names the text in error messages, e.g. the CSV's path. */
  source?: string;
}

/** Where the bootloader looks for the table; partitions start after its 4 KiB. */
const TABLE_OFFSET = 0x8000;
const TABLE_SIZE = 0x1000;
const SECTOR = 0x1000;
const APP_ALIGN = 0x10000;
const MAX_NAME = 16;
const OTA_SLOTS = 16;

const TYPES: Readonly<Record<string, number>> = { app: PartitionType.APP, data: PartitionType.DATA };

const APP_SUBTYPES: Readonly<Record<string, number>> = {
  factory: AppSubtype.FACTORY,
  test: AppSubtype.TEST,
  ...Object.fromEntries(Array.from({ length: OTA_SLOTS }, (_, n) => [`ota_${n}`, AppSubtype.OTA_0 + n])),
};

const DATA_SUBTYPES: Readonly<Record<string, number>> = {
  ota: DataSubtype.OTA,
  phy: DataSubtype.PHY,
  nvs: DataSubtype.NVS,
  coredump: DataSubtype.COREDUMP,
  nvs_keys: DataSubtype.NVS_KEYS,
  efuse: DataSubtype.EFUSE,
  undefined: 0x06,
  esphttpd: 0x80,
  fat: 0x81,
  spiffs: 0x82,
  littlefs: 0x83,
};

const FLAGS = new Set(["encrypted", "readonly"]);

export class PartitionTable {
  readonly entries: readonly PartitionEntry[];

  constructor(entries: readonly PartitionEntry[]) {
    this.entries = entries;
  }

  find(name: string): PartitionEntry | undefined {
    return this.entries.find((entry) => entry.name === name);
  }

  /** ota_0, ota_1, ... in slot order, which is what ota_seq indexes. */
  otaSlots(): PartitionEntry[] {
    return this.entries.filter(isOtaApp).sort((a, b) => a.subtype - b.subtype);
  }

  otadata(): PartitionEntry | undefined {
    return this.entries.find((entry) => entry.type === PartitionType.DATA && entry.subtype === DataSubtype.OTA);
  }

  factory(): PartitionEntry | undefined {
    return this.findApp(AppSubtype.FACTORY);
  }

  test(): PartitionEntry | undefined {
    return this.findApp(AppSubtype.TEST);
  }

  /** First byte after the last partition: the smallest flash that holds the table. */
  get end(): number {
    return Math.max(TABLE_OFFSET + TABLE_SIZE, ...this.entries.map((entry) => entry.offset + entry.size));
  }

  private findApp(subtype: number): PartitionEntry | undefined {
    return this.entries.find((entry) => entry.type === PartitionType.APP && entry.subtype === subtype);
  }
}

export function isOtaApp(entry: PartitionEntry): boolean {
  return entry.type === PartitionType.APP && entry.subtype >= AppSubtype.OTA_0 && entry.subtype < AppSubtype.OTA_0 + OTA_SLOTS;
}

/** The slot number of ota_n, or undefined for any other partition. */
export function otaSlotIndex(entry: PartitionEntry): number | undefined {
  return isOtaApp(entry) ? entry.subtype - AppSubtype.OTA_0 : undefined;
}

/** Parses and validates partition CSV text the way gen_esp32part.py does. */
export function parsePartitionTable(text: string, options: ParseOptions = {}): PartitionTable {
  const source = options.source ?? "partition table";
  const entries: PartitionEntry[] = [];
  const lines: number[] = [];
  let nextFree = TABLE_OFFSET + TABLE_SIZE;

  text.split(/\r?\n/).forEach((raw, index) => {
    const line = raw.trim();
    if (line === "" || line.startsWith("#")) return;
    const lineNo = index + 1;
    const fail: (message: string) => never = (message) => {
      throw new PartitionTableError(`${source} line ${lineNo}: ${message}`);
    };
    const [name = "", typeText = "", subtypeText = "", offsetText = "", sizeText = "", flagsText = "", ...extra] = line
      .split(",")
      .map((field) => field.trim());
    if (extra.some((field) => field !== "")) fail(`too many fields (expected name, type, subtype, offset, size, flags)`);
    if (name === "") fail("partition name is empty");
    if (name.length > MAX_NAME) fail(`partition name "${name}" is longer than ${MAX_NAME} characters`);

    const type = parseType(typeText, fail);
    const subtype = parseSubtype(type, subtypeText, fail);
    const align = type === PartitionType.APP ? APP_ALIGN : SECTOR;
    const offset = offsetText === "" ? alignUp(nextFree, align) : parseNumber(offsetText, "offset", fail);
    if (sizeText === "") fail("size is empty");
    const size = parseNumber(sizeText, "size", fail);
    const flags = flagsText === "" ? [] : flagsText.split(":").map((flag) => flag.trim());
    for (const flag of flags) if (!FLAGS.has(flag)) fail(`unknown flag "${flag}" (known: ${[...FLAGS].join(", ")})`);

    if (offset % align !== 0) fail(`offset 0x${hex(offset)} of "${name}" is not aligned to 0x${hex(align)}`);
    if (size <= 0) fail(`size of "${name}" must be positive`);
    if (size % SECTOR !== 0) fail(`size 0x${hex(size)} of "${name}" is not a multiple of the 0x${hex(SECTOR)} flash sector`);
    if (offset < TABLE_OFFSET + TABLE_SIZE) {
      fail(`"${name}" at 0x${hex(offset)} overlaps the bootloader or the partition table (partitions start at 0x${hex(TABLE_OFFSET + TABLE_SIZE)})`);
    }
    if (type === PartitionType.DATA && subtype === DataSubtype.OTA && size !== 2 * SECTOR) {
      fail(`otadata "${name}" must be 0x${hex(2 * SECTOR)} bytes (two sectors written alternately), not 0x${hex(size)}`);
    }
    const duplicate = entries.find((entry) => entry.name === name);
    if (duplicate) fail(`duplicate partition name "${name}" (first on line ${lines[entries.indexOf(duplicate)]})`);

    entries.push({ name, type, subtype, offset, size, encrypted: flags.includes("encrypted"), readonly: flags.includes("readonly") });
    lines.push(lineNo);
    nextFree = offset + size;
  });

  validateTable(entries, lines, source);
  return new PartitionTable(entries);
}

function validateTable(entries: readonly PartitionEntry[], lines: readonly number[], source: string): void {
  const at = (entry: PartitionEntry): string => `${source} line ${lines[entries.indexOf(entry)]}`;
  const sorted = [...entries].sort((a, b) => a.offset - b.offset);
  for (let i = 1; i < sorted.length; i++) {
    const previous = sorted[i - 1];
    const entry = sorted[i];
    if (entry.offset < previous.offset + previous.size) {
      throw new PartitionTableError(
        `${at(entry)}: "${entry.name}" at 0x${hex(entry.offset)} overlaps "${previous.name}" ` +
          `(0x${hex(previous.offset)}-0x${hex(previous.offset + previous.size - 1)})`,
      );
    }
  }

  const otadata = entries.filter((entry) => entry.type === PartitionType.DATA && entry.subtype === DataSubtype.OTA);
  if (otadata.length > 1) {
    throw new PartitionTableError(`${at(otadata[1])}: a second otadata partition "${otadata[1].name}"; ESP-IDF allows one`);
  }

  const apps = entries.filter((entry) => entry.type === PartitionType.APP);
  for (const entry of apps) {
    const twin = apps.find((other) => other !== entry && other.subtype === entry.subtype);
    if (twin && entries.indexOf(twin) < entries.indexOf(entry)) {
      throw new PartitionTableError(`${at(entry)}: app subtype 0x${hex(entry.subtype, 2)} is already used by "${twin.name}"`);
    }
  }

  // The bootloader and esp_ota_ops count slots from ota_0 upward and stop at
  // the first gap, so a gap would leave later slots unreachable.
  const slots = entries.filter(isOtaApp).sort((a, b) => a.subtype - b.subtype);
  slots.forEach((entry, n) => {
    if (entry.subtype !== AppSubtype.OTA_0 + n) {
      throw new PartitionTableError(`${at(entry)}: "${entry.name}" is ota_${entry.subtype - AppSubtype.OTA_0} but ota_${n} is missing`);
    }
  });
}

function parseType(text: string, fail: (message: string) => never): number {
  if (text === "") fail("type is empty");
  const known = TYPES[text.toLowerCase()];
  if (known !== undefined) return known;
  const value = parseNumber(text, "type", fail);
  if (value < 0x40 || value > 0xfe) fail(`type 0x${hex(value)} is not app, data or a custom type 0x40-0xFE`);
  return value;
}

function parseSubtype(type: number, text: string, fail: (message: string) => never): number {
  if (text === "") fail("subtype is empty");
  const keywords = type === PartitionType.APP ? APP_SUBTYPES : type === PartitionType.DATA ? DATA_SUBTYPES : {};
  const known = keywords[text.toLowerCase()];
  if (known !== undefined) return known;
  if (/^[a-z_]/i.test(text)) {
    fail(`unknown subtype "${text}" for this type (known: ${Object.keys(keywords).join(", ") || "numbers only"})`);
  }
  const value = parseNumber(text, "subtype", fail);
  if (value > 0xfe) fail(`subtype 0x${hex(value)} does not fit in a byte below 0xFF`);
  return value;
}

/** Decimal, 0x hex, 0o octal, 0b binary, with an optional K or M multiplier, as gen_esp32part.py accepts. */
function parseNumber(text: string, what: string, fail: (message: string) => never): number {
  const match = /^(0x[0-9a-f]+|0o[0-7]+|0b[01]+|\d+)\s*([km])?$/i.exec(text);
  if (!match) fail(`${what} "${text}" is not a number (decimal, 0x hex, or with a K/M suffix)`);
  let value = Number(match[1].toLowerCase());
  const unit = match[2]?.toLowerCase();
  if (unit === "k") value *= 1024;
  if (unit === "m") value *= 1024 * 1024;
  if (!Number.isSafeInteger(value) || value > 0xffffffff) fail(`${what} "${text}" is out of range`);
  return value;
}

function alignUp(value: number, align: number): number {
  return Math.ceil(value / align) * align;
}

function hex(value: number, width = 0): string {
  return value.toString(16).padStart(width, "0");
}
