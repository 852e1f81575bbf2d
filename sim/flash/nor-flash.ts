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

/**
 * A view's backing array, updated by every later change to its range for as
 * long as anything (the view, a subarray of it, a DataView on its buffer)
 * still references it.
 */
interface Mirror {
  start: number;
  end: number;
  buffer: WeakRef<ArrayBuffer>;
}

/**
 * The chip is sparse: only sectors that hold something other than 0xFF have
 * memory of their own (a 4 MiB chip with a 220 KB image holds about 300 KB),
 * so a process can simulate a fleet of devices. Views are separate arrays
 * that mirror their range and are only weakly held: every erase and write
 * reaches the sectors and every view still alive, so a view stays a live
 * window, and a view of a mostly erased 2 MiB slot costs memory only while
 * someone looks through it.
 */
export class NorFlash {
  readonly size: number;
  readonly sectorSize: number;
  readonly stats: FlashStats = { erases: 0, writes: 0, bytesErased: 0, bytesWritten: 0, operations: 0 };

  /** undefined = the sector reads 0xFF throughout. */
  private readonly sectors: Array<Uint8Array | undefined>;
  private mirrors: Mirror[] = [];
  /** Changes that reached the chip so far; each sector keeps the count of the last one that touched it. */
  private changes = 0;
  private readonly sectorRevisions: Float64Array;
  /**
   * Per allocated sector, where its programmed part ends: every byte from
   * there to the sector's end still reads 0xFF, so a write there cannot need
   * a 0 bit to become 1 and is not compared byte by byte. Writes are mostly
   * appends (a payload staged page after page, a record after the last one),
   * so most writes are checked against nothing at all.
   */
  private readonly tops: Int32Array;
  /** What visit() shows for an erased sector; made on first use. */
  private erased: Uint8Array | undefined;
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
    this.sectors = new Array<Uint8Array | undefined>(options.size / sectorSize).fill(undefined);
    this.sectorRevisions = new Float64Array(options.size / sectorSize);
    this.tops = new Int32Array(options.size / sectorSize);
    if (options.image) {
      if (options.image.length !== options.size) {
        throw new RangeError(`image is ${options.image.length} bytes but the flash is ${options.size} bytes`);
      }
      for (let index = 0; index < this.sectors.length; index++) {
        const sector = options.image.subarray(index * sectorSize, (index + 1) * sectorSize);
        if (isErased(sector)) continue;
        this.sectors[index] = sector.slice();
        // Not worth finding where its data ends: a whole sector is checked, as any programmed one could be.
        this.tops[index] = sectorSize;
      }
    }
  }

  /** False between a power cut and powerRestored(). */
  get powered(): boolean {
    return this.cutAt === undefined;
  }

  /** Sectors that hold data and so occupy memory (views aside), for memory tests and reports. */
  get allocatedSectors(): number {
    let count = 0;
    for (const sector of this.sectors) if (sector !== undefined) count++;
    return count;
  }

  read(offset: number, length: number): Uint8Array {
    this.assertPowered();
    this.assertRange("read", offset, length);
    return this.peek(offset, length);
  }

  readInto(offset: number, target: Uint8Array): void {
    this.assertPowered();
    this.assertRange("read", offset, target.length);
    this.copyOut(offset, target);
  }

  /**
   * A zero-copy window on the live contents, so a bootloader can verify a
   * 2 MiB slot without copying it out for every check. It changes with later
   * writes; callers must not write through it.
   */
  view(offset: number, length: number): Uint8Array {
    this.assertPowered();
    this.assertRange("read", offset, length);
    return this.mirror(offset, length);
  }

  /**
   * [offset, offset + length) in order, sector by sector, as views on the
   * chip's own memory (an erased sector as one shared array of 0xFF): how a
   * slot is hashed and checksummed where it lies, with no copy and no view
   * to keep up to date. The views are valid only during the call and must
   * never be written through.
   */
  visit(offset: number, length: number, each: (chunk: Uint8Array) => void): void {
    this.assertPowered();
    this.assertRange("read", offset, length);
    for (let done = 0; done < length; ) {
      const at = offset + done;
      const index = Math.floor(at / this.sectorSize);
      const within = at - index * this.sectorSize;
      const n = Math.min(this.sectorSize - within, length - done);
      const sector = this.sectors[index] ?? (this.erased ??= new Uint8Array(this.sectorSize).fill(ERASED));
      each(sector.subarray(within, within + n));
      done += n;
    }
  }

  /**
   * A number that changes whenever any byte of [offset, offset + length) may
   * have changed (every erase and write that reached it, the applied part of
   * a torn one included), so that work derived from those bytes alone, such
   * as an image verdict, can be reused for as long as it stays the same.
   */
  revision(offset: number, length: number): number {
    this.assertPowered();
    this.assertRange("read", offset, length);
    let latest = 0;
    const last = Math.ceil((offset + length) / this.sectorSize);
    for (let index = Math.floor(offset / this.sectorSize); index < last; index++) {
      const revision = this.sectorRevisions[index]!;
      if (revision > latest) latest = revision;
    }
    return latest;
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
    this.sectors.fill(undefined, offset / this.sectorSize, (offset + length) / this.sectorSize);
    this.touched(offset, length);
    this.forMirrors(offset, offset + length, (bytes, at, _from, n) => bytes.fill(ERASED, at, at + n));
    this.stats.erases++;
    this.stats.bytesErased += length;
    this.observer?.onErase(offset, length);
  }

  write(offset: number, data: Uint8Array): void {
    this.assertPowered();
    this.assertRange("write", offset, data.length);
    const bad = this.firstBitSet(offset, data);
    if (bad >= 0) {
      const current = this.byteAt(offset + bad);
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
    this.store(offset, data);
    this.stats.writes++;
    this.stats.bytesWritten += data.length;
    this.observer?.onWrite(offset, data.slice());
  }

  /**
   * Index of the first byte of `data` that would set a bit the flash holds at
   * 0, or -1. An erased sector accepts anything, and so does the erased
   * rest of a programmed one; the programmed part is compared 32-bit words at
   * a time where both sides are aligned.
   */
  private firstBitSet(offset: number, data: Uint8Array): number {
    for (let done = 0; done < data.length; ) {
      const at = offset + done;
      const index = Math.floor(at / this.sectorSize);
      const within = at - index * this.sectorSize;
      const n = Math.min(this.sectorSize - within, data.length - done);
      const held = this.sectors[index];
      const top = this.tops[index]!;
      if (held !== undefined && within < top) {
        const bad = firstBitSetIn(held, within, data.subarray(done, done + Math.min(n, top - within)));
        if (bad >= 0) return done + bad;
      }
      done += n;
    }
    return -1;
  }

  /** The live contents as one array (not a copy), for persistence and whole-chip assertions. */
  contents(): Uint8Array {
    return this.mirror(0, this.size);
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
    this.store(offset, data.subarray(0, complete));
    const at = offset + complete;
    const held = this.byteAt(at);
    const toClear = held & ~data[complete]! & 0xff;
    let cleared = toClear & Math.floor(random() * 256);
    if (cleared === toClear && toClear !== 0) {
      cleared &= ~highestBit(toClear);
    }
    this.store(at, Uint8Array.of(held & ~cleared & 0xff));
    this.observer?.onWrite(offset, this.peek(offset, complete + 1));
  }

  /** A prefix reads 0xFF, the next byte has some bits already drifted to 1. */
  private tearErase(offset: number, length: number, seed: number): void {
    const random = seededRandom(seed);
    const erased = Math.floor(random() * length);
    this.store(offset, new Uint8Array(erased).fill(ERASED));
    const at = offset + erased;
    this.store(at, Uint8Array.of(this.byteAt(at) | Math.floor(random() * 256)));
    // Only an erase turns a programmed sector back to all 0xFF: give its memory back.
    for (let index = offset / this.sectorSize; index * this.sectorSize <= at; index++) {
      const sector = this.sectors[index];
      if (sector !== undefined && isErased(sector)) this.sectors[index] = undefined;
    }
    if (erased > 0) this.observer?.onErase(offset, erased);
    this.observer?.onWrite(at, this.peek(at, 1));
  }

  /**
   * Puts bytes on the chip as they are, whatever bits change (the callers
   * have checked the NOR rules): into the sectors, allocating only those that
   * then hold something besides 0xFF, and into every live view.
   */
  private store(offset: number, data: Uint8Array): void {
    this.touched(offset, data.length);
    for (let done = 0; done < data.length; ) {
      const at = offset + done;
      const index = Math.floor(at / this.sectorSize);
      const within = at - index * this.sectorSize;
      const n = Math.min(this.sectorSize - within, data.length - done);
      const part = data.subarray(done, done + n);
      let sector = this.sectors[index];
      if (sector === undefined && !isErased(part)) {
        // Only what `part` does not cover needs filling: a new array is zeroed, an erased sector reads 0xFF.
        sector = new Uint8Array(this.sectorSize);
        sector.fill(ERASED, 0, within);
        sector.fill(ERASED, within + n);
        this.sectors[index] = sector;
        this.tops[index] = 0;
      }
      if (sector !== undefined) {
        sector.set(part, within);
        if (within + n > this.tops[index]!) this.tops[index] = within + n;
      }
      done += n;
    }
    this.forMirrors(offset, offset + data.length, (bytes, at, from, n) => bytes.set(data.subarray(from, from + n), at));
  }

  private touched(offset: number, length: number): void {
    if (length === 0) return;
    const revision = ++this.changes;
    this.sectorRevisions.fill(revision, Math.floor(offset / this.sectorSize), Math.ceil((offset + length) / this.sectorSize));
  }

  private byteAt(offset: number): number {
    const index = Math.floor(offset / this.sectorSize);
    return this.sectors[index]?.[offset - index * this.sectorSize] ?? ERASED;
  }

  /** read() for the chip itself: works while the power is being cut. */
  private peek(offset: number, length: number): Uint8Array {
    const out = new Uint8Array(length);
    this.copyOut(offset, out);
    return out;
  }

  private copyOut(offset: number, target: Uint8Array): void {
    for (let done = 0; done < target.length; ) {
      const at = offset + done;
      const index = Math.floor(at / this.sectorSize);
      const within = at - index * this.sectorSize;
      const n = Math.min(this.sectorSize - within, target.length - done);
      const sector = this.sectors[index];
      if (sector === undefined) target.fill(ERASED, done, done + n);
      else target.set(sector.subarray(within, within + n), done);
      done += n;
    }
  }

  /**
   * A live view of [offset, offset + length): a subarray of a view still
   * alive that covers it (a bootloader checks the same slot many times per
   * boot), or a new mirror of the sectors around it.
   */
  private mirror(offset: number, length: number): Uint8Array {
    const end = offset + length;
    for (const mirror of this.mirrors) {
      if (mirror.start > offset || mirror.end < end) continue;
      const buffer = mirror.buffer.deref();
      if (buffer !== undefined) return new Uint8Array(buffer, offset - mirror.start, length);
    }
    const start = Math.floor(offset / this.sectorSize) * this.sectorSize;
    const stop = Math.max(start, Math.ceil(end / this.sectorSize) * this.sectorSize);
    const bytes = new Uint8Array(stop - start);
    this.copyOut(start, bytes);
    this.prune();
    this.mirrors.push({ start, end: stop, buffer: new WeakRef(bytes.buffer) });
    return bytes.subarray(offset - start, end - start);
  }

  /**
   * Runs `apply` on every live view overlapping [start, end): `at` is where
   * the overlap begins in the view, `from` where it begins in the change.
   */
  private forMirrors(start: number, end: number, apply: (bytes: Uint8Array, at: number, from: number, length: number) => void): void {
    let dead = false;
    for (const mirror of this.mirrors) {
      if (mirror.end <= start || mirror.start >= end) continue;
      const buffer = mirror.buffer.deref();
      if (buffer === undefined) {
        dead = true;
        continue;
      }
      const low = Math.max(start, mirror.start);
      const high = Math.min(end, mirror.end);
      apply(new Uint8Array(buffer), low - mirror.start, low - start, high - low);
    }
    if (dead) this.prune();
  }

  private prune(): void {
    this.mirrors = this.mirrors.filter((mirror) => mirror.buffer.deref() !== undefined);
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

/** True when every byte is 0xFF; compares words where it can, as the chip is mostly checked in pages. */
function isErased(bytes: Uint8Array): boolean {
  let i = 0;
  if ((bytes.byteOffset & 3) === 0) {
    const words = new Uint32Array(bytes.buffer, bytes.byteOffset, bytes.length >>> 2);
    for (let w = 0; w < words.length; w++) if (words[w] !== 0xffffffff) return false;
    i = words.length * 4;
  }
  for (; i < bytes.length; i++) if (bytes[i] !== ERASED) return false;
  return true;
}

/** firstBitSet within one programmed sector: `within` is where `data` lands in it. */
function firstBitSetIn(held: Uint8Array, within: number, data: Uint8Array): number {
  let i = 0;
  if ((within & 3) === 0 && (data.byteOffset & 3) === 0 && (held.byteOffset & 3) === 0) {
    const words = data.length >>> 2;
    const incoming = new Uint32Array(data.buffer, data.byteOffset, words);
    const stored = new Uint32Array(held.buffer, held.byteOffset + within, words);
    for (let w = 0; w < words; w++) {
      if ((incoming[w]! & ~stored[w]!) !== 0) {
        i = w * 4;
        break;
      }
      i = (w + 1) * 4;
    }
  }
  for (; i < data.length; i++) {
    if ((data[i]! & ~held[within + i]! & 0xff) !== 0) return i;
  }
  return -1;
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
