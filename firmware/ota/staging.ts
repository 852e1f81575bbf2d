import type { FlashPartition } from "../host/storage";

/**
 * The payload's way into the inactive app slot, written through the flash
 * partition rather than embedded:update so that it survives a reboot halfway:
 * Moddable's update module erases the slot (mode "w") or restarts at offset 0
 * (mode "a") whenever it is opened. Blocks are erased just ahead of the data;
 * a resume starts on a block boundary, erasing from there, so a block that a
 * power cut left half-written is always erased before it is written again
 * (NOR flash cannot be rewritten in place).
 */
export class PayloadStaging {
  readonly #partition: FlashPartition;
  readonly #blockLength: number;
  readonly #size: number;
  #erasedTo = 0;

  constructor(partition: FlashPartition) {
    const status = partition.status();
    this.#partition = partition;
    this.#blockLength = status.blockLength;
    this.#size = status.size;
  }

  get blockLength(): number {
    return this.#blockLength;
  }

  /** How large a payload the slot can hold. */
  get capacity(): number {
    return this.#size;
  }

  /** Prepares to write from `offset`, a block boundary: everything from there on will be erased before use. */
  resumeAt(offset: number): void {
    if (offset % this.#blockLength !== 0) throw new RangeError(`resume offset ${offset} is not on a ${this.#blockLength}-byte block boundary`);
    this.#erasedTo = offset;
  }

  write(bytes: Uint8Array, offset: number): void {
    const end = offset + bytes.length;
    if (end > this.#size) throw new RangeError(`payload byte ${end} is past the end of the slot (${this.#size} bytes)`);
    if (end > this.#erasedTo) {
      const first = this.#erasedTo / this.#blockLength;
      const last = Math.ceil(end / this.#blockLength);
      this.#partition.eraseBlock(first, last);
      this.#erasedTo = last * this.#blockLength;
    }
    this.#partition.write(bytes, offset);
  }

  /** Reads payload bytes back from flash into `target`. */
  read(target: Uint8Array, offset: number): void {
    this.#partition.read(target, offset);
  }
}
