/**
 * The ESP32's SPI NOR flash as software sees it: erase works on whole 4 KiB
 * sectors and sets every bit to 1, programming can only turn 1s into 0s, and
 * power can fail before or in the middle of any erase or program operation.
 *
 * Everything the bootloader and OTA code promise about surviving power loss
 * rests on these rules, so the model enforces them strictly instead of
 * silently doing what a RAM buffer would do.
 */

/**
 * Learns the new contents after every change that reached the chip, including
 * the part of an interrupted operation that did: onErase says the range now
 * reads 0xFF (the range may be unaligned when an erase was torn), onWrite
 * gives the bytes now stored at the offset.
 */
export interface FlashObserver {
  onErase(offset: number, length: number): void;
  onWrite(offset: number, data: Uint8Array): void;
}

export interface NorFlashOptions {
  size: number;
  sectorSize?: number;
  /** Initial contents (copied); a blank chip when absent. */
  image?: Uint8Array;
  observer?: FlashObserver;
}

export interface PowerCutPlan {
  /** 0-based index, over erases and writes since construction, of the operation that never finishes. */
  atOperation: number;
  /** Apply a seeded, deterministic prefix of that operation before power goes. */
  torn?: boolean;
  seed?: number;
}

/**
 * `operations` counts every erase and write that started (so indices stay
 * stable for armPowerCut, the interrupted one included); the others count
 * only operations that completed.
 */
export interface FlashStats {
  erases: number;
  writes: number;
  bytesErased: number;
  bytesWritten: number;
  operations: number;
}

export class PowerCutError extends Error {
  constructor(
    message: string,
    /** Index of the operation that was cut. */
    readonly operation: number,
  ) {
    super(message);
    this.name = "PowerCutError";
  }
}

/** A write that needs a 0 bit to become 1, which only an erase can do. */
export class FlashProgramError extends Error {
  constructor(
    message: string,
    readonly offset: number,
  ) {
    super(message);
    this.name = "FlashProgramError";
  }
}

const ERASED = 0xff;

export class NorFlash {
  readonly size: number;
  readonly sectorSize: number;
  readonly stats: FlashStats = { erases: 0, writes: 0, bytesErased: 0, bytesWritten: 0, operations: 0 };

  private readonly data: Uint8Array;
  private readonly observer: FlashObserver | undefined;
  private plan: PowerCutPlan | undefined;
  private cutAt: number | undefined;

  constructor(options: NorFlashOptions) {
    const sectorSize = options.sectorSize ?? 4096;
    if (!Number.isInteger(sectorSize) || sectorSize <= 0) {
      throw new RangeError(`sector size must be a positive integer, got ${sectorSize}`);
    }
    if (!Number.isInteger(options.size) || options.size <= 0 || options.size % sectorSize !== 0) {
      throw new RangeError(`flash size ${options.size} must be a positive multiple of the sector size ${sectorSize}`);
    }
    this.size = options.size;
    this.sectorSize = sectorSize;
    this.observer = options.observer;
    if (options.image) {
      if (options.image.length !== options.size) {
        throw new RangeError(`image is ${options.image.length} bytes but the flash is ${options.size} bytes`);
      }
      this.data = options.image.slice();
    } else {
      this.data = new Uint8Array(options.size).fill(ERASED);
    }
  }

  /** False between a power cut and powerRestored(). */
  get powered(): boolean {
    return this.cutAt === undefined;
  }

  read(offset: number, length: number): Uint8Array {
    return this.view(offset, length).slice();
  }

  readInto(offset: number, target: Uint8Array): void {
    target.set(this.view(offset, target.length));
  }

  /**
   * A zero-copy window on the live contents, so a bootloader can verify a
   * 2 MiB slot without copying it. It changes with later writes; callers
   * must not write through it.
   */
  view(offset: number, length: number): Uint8Array {
    this.assertPowered();
    this.assertRange("read", offset, length);
    return this.data.subarray(offset, offset + length);
  }

  erase(offset: number, length: number): void {
    this.assertPowered();
    this.assertRange("erase", offset, length);
    if (offset % this.sectorSize !== 0 || length % this.sectorSize !== 0) {
      throw new RangeError(
        `erase at 0x${hex(offset)} length 0x${hex(length)} is not aligned to the 0x${hex(this.sectorSize)}-byte sector: ` +
          `NOR flash erases whole sectors only`,
      );
    }
    if (length === 0) return;
    const index = this.beginOperation();
    if (index === this.cutAt) {
      if (this.plan?.torn) this.tearErase(offset, length, this.plan.seed ?? 0);
      throw this.cutError(index, `erase at 0x${hex(offset)}`);
    }
    this.data.fill(ERASED, offset, offset + length);
    this.stats.erases++;
    this.stats.bytesErased += length;
    this.observer?.onErase(offset, length);
  }

  write(offset: number, data: Uint8Array): void {
    this.assertPowered();
    this.assertRange("write", offset, data.length);
    const bad = this.firstBitSet(offset, data);
    if (bad >= 0) {
      const current = this.data[offset + bad]!;
      throw new FlashProgramError(
        `write at 0x${hex(offset + bad)} would turn 0 bits into 1 (flash holds 0x${hex(current, 2)}, ` +
          `write wants 0x${hex(data[bad]!, 2)}): erase the sector first`,
        offset + bad,
      );
    }
    if (data.length === 0) return;
    const index = this.beginOperation();
    if (index === this.cutAt) {
      if (this.plan?.torn) this.tearWrite(offset, data, this.plan.seed ?? 0);
      throw this.cutError(index, `write at 0x${hex(offset)}`);
    }
    this.data.set(data, offset);
    this.stats.writes++;
    this.stats.bytesWritten += data.length;
    this.observer?.onWrite(offset, data.slice());
  }

  /**
   * Index of the first byte of `data` that would set a bit the flash holds at
   * 0, or -1. Compares 32-bit words where both sides are aligned: a megabyte
   * written in 4 KiB pages is checked a word at a time.
   */
  private firstBitSet(offset: number, data: Uint8Array): number {
    const flash = this.data;
    let i = 0;
    if ((offset & 3) === 0 && (data.byteOffset & 3) === 0 && (flash.byteOffset & 3) === 0) {
      const words = data.length >>> 2;
      const incoming = new Uint32Array(data.buffer, data.byteOffset, words);
      const held = new Uint32Array(flash.buffer, flash.byteOffset + offset, words);
      for (let w = 0; w < words; w++) {
        if ((incoming[w]! & ~held[w]!) !== 0) {
          i = w * 4;
          break;
        }
        i = (w + 1) * 4;
      }
    }
    for (; i < data.length; i++) {
      if ((data[i]! & ~flash[offset + i]! & 0xff) !== 0) return i;
    }
    return -1;
  }

  /** The live array (not a copy), for persistence and whole-chip assertions. */
  contents(): Uint8Array {
    return this.data;
  }

  armPowerCut(plan: PowerCutPlan): void {
    if (!Number.isInteger(plan.atOperation) || plan.atOperation < this.stats.operations) {
      throw new RangeError(
        `cannot cut power at operation ${plan.atOperation}: ${this.stats.operations} operations have already started`,
      );
    }
    this.plan = { ...plan };
  }

  powerRestored(): void {
    this.cutAt = undefined;
  }

  private beginOperation(): number {
    const index = this.stats.operations++;
    if (this.plan && this.plan.atOperation === index) {
      this.cutAt = index;
    }
    return index;
  }

  private cutError(index: number, what: string): PowerCutError {
    const torn = this.plan?.torn ? "part of it applied" : "nothing of it applied";
    this.plan = undefined;
    return new PowerCutError(`power cut during operation ${index} (${what}, ${torn})`, index);
  }

  /** Some bytes fully programmed, then one byte with only some of its 0 bits landed. */
  private tearWrite(offset: number, data: Uint8Array, seed: number): void {
    const random = seededRandom(seed);
    const complete = Math.floor(random() * data.length);
    this.data.set(data.subarray(0, complete), offset);
    const at = offset + complete;
    const toClear = this.data[at] & ~data[complete] & 0xff;
    let cleared = toClear & Math.floor(random() * 256);
    if (cleared === toClear && toClear !== 0) {
      cleared &= ~highestBit(toClear);
    }
    this.data[at] &= ~cleared & 0xff;
    this.observer?.onWrite(offset, this.data.slice(offset, at + 1));
  }

  /** A prefix reads 0xFF, the next byte has some bits already drifted to 1. */
  private tearErase(offset: number, length: number, seed: number): void {
    const random = seededRandom(seed);
    const erased = Math.floor(random() * length);
    this.data.fill(ERASED, offset, offset + erased);
    const at = offset + erased;
    this.data[at] |= Math.floor(random() * 256);
    if (erased > 0) this.observer?.onErase(offset, erased);
    this.observer?.onWrite(at, this.data.slice(at, at + 1));
  }

  private assertPowered(): void {
    if (this.cutAt !== undefined) {
      throw new PowerCutError(
        `flash has no power since the cut at operation ${this.cutAt}; call powerRestored() to boot again`,
        this.cutAt,
      );
    }
  }

  private assertRange(what: string, offset: number, length: number): void {
    if (!Number.isInteger(offset) || !Number.isInteger(length) || offset < 0 || length < 0 || offset + length > this.size) {
      throw new RangeError(
        `${what} at 0x${hex(offset)} length 0x${hex(length)} is outside the 0x${hex(this.size)}-byte flash`,
      );
    }
  }
}

function hex(value: number, width = 0): string {
  return value.toString(16).padStart(width, "0");
}

function highestBit(value: number): number {
  return 1 << (31 - Math.clz32(value));
}

/** mulberry32: tiny and good enough to pick tear points reproducibly. */
function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
