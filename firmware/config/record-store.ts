import { crc32 } from "../core/crc32";
import type { FlashPartition } from "../host/storage";

const MAGIC = 0x31534e46; // "FNS1", little-endian
const HEADER = 16;

export interface StoredRecord {
  sequence: number;
  payload: Uint8Array;
}

/**
 * One record kept safe against power loss in two flash blocks, the way
 * ESP-IDF keeps otadata: each save goes to the block that does not hold the
 * current record, with a higher sequence number and a CRC over sequence,
 * length and payload. A save torn by a power cut fails its CRC and the
 * previous record stays the one that loads.
 *
 * Block layout: u32 magic, u32 sequence, u32 payload length, u32 CRC-32, payload.
 */
export class RecordStore {
  readonly #partition: FlashPartition;
  readonly #firstBlock: number;
  readonly #blockLength: number;
  readonly #header = new Uint8Array(HEADER);
  readonly #view = new DataView(this.#header.buffer);
  #current: { block: number; sequence: number } | undefined;

  constructor(partition: FlashPartition, firstBlock = 0) {
    const { blockLength, blocks } = partition.status();
    if (firstBlock + 2 > blocks) throw new RangeError(`record store needs blocks ${firstBlock} and ${firstBlock + 1}; partition has ${blocks}`);
    this.#partition = partition;
    this.#firstBlock = firstBlock;
    this.#blockLength = blockLength;
  }

  /** Largest payload a record can hold. */
  get capacity(): number {
    return this.#blockLength - HEADER;
  }

  /** The newest intact record, or undefined when neither block holds one. */
  load(): StoredRecord | undefined {
    let best: StoredRecord | undefined;
    this.#current = undefined;
    for (let i = 0; i < 2; i++) {
      const record = this.#readBlock(this.#firstBlock + i);
      if (record !== undefined && (best === undefined || record.sequence > best.sequence)) {
        best = record;
        this.#current = { block: this.#firstBlock + i, sequence: record.sequence };
      }
    }
    return best;
  }

  /** Writes `payload` as the new record; the old one stays intact until this one is complete. */
  save(payload: Uint8Array): number {
    if (payload.length > this.capacity) throw new RangeError(`record of ${payload.length} bytes exceeds the ${this.capacity}-byte capacity`);
    if (this.#current === undefined) this.load();
    const sequence = ((this.#current?.sequence ?? 0) + 1) >>> 0;
    const block = this.#current === undefined ? this.#firstBlock : this.#firstBlock + ((this.#current.block - this.#firstBlock) ^ 1);
    const record = new Uint8Array(HEADER + payload.length);
    const view = new DataView(record.buffer);
    view.setUint32(0, MAGIC, true);
    view.setUint32(4, sequence, true);
    view.setUint32(8, payload.length, true);
    record.set(payload, HEADER);
    view.setUint32(12, checksum(record.subarray(4, 12), payload), true);
    this.#partition.eraseBlock(block);
    this.#partition.write(record, block * this.#blockLength);
    this.#current = { block, sequence };
    return sequence;
  }

  #readBlock(block: number): StoredRecord | undefined {
    const base = block * this.#blockLength;
    this.#partition.read(this.#header, base);
    const view = this.#view;
    if (view.getUint32(0, true) !== MAGIC) return undefined;
    const length = view.getUint32(8, true);
    if (length > this.capacity) return undefined;
    const payload = new Uint8Array(length);
    if (length > 0) this.#partition.read(payload, base + HEADER);
    if (checksum(this.#header.subarray(4, 12), payload) !== view.getUint32(12, true)) return undefined;
    return { sequence: view.getUint32(4, true), payload };
  }
}

function checksum(sequenceAndLength: Uint8Array, payload: Uint8Array): number {
  return crc32(payload, crc32(sequenceAndLength));
}
