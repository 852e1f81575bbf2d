/**
 * A simulated I2C bus at the transfer level: a controller write or read is
 * addressed to a 7-bit address and every device on the bus sees it. The
 * answer is what the wire would show: the address acknowledged or not, data
 * bytes acknowledged or not. Timing on the wire is not modelled (a transfer
 * takes no simulated time); the chips model their own conversion times.
 */

/** How a write ended: every byte acknowledged, the address refused, or a data byte refused. */
export type WriteResult = "ack" | "nack-address" | "nack-data";

export interface I2CTarget {
  readonly address: number;
  /** A write transfer (a zero-length write is an address-only probe). */
  write(data: Uint8Array): WriteResult;
  /** A read transfer: fills `target` and returns true, or refuses the read header (false). */
  read(target: Uint8Array): boolean;
}

export interface BusCounters {
  writes: number;
  reads: number;
  nacks: number;
  bytes: number;
}

export class SimI2CBus {
  readonly #targets = new Map<number, I2CTarget>();
  readonly counters: BusCounters = { writes: 0, reads: 0, nacks: 0, bytes: 0 };

  attach(target: I2CTarget): void {
    if (this.#targets.has(target.address)) throw new Error(`I2C address 0x${target.address.toString(16)} is already on the bus`);
    this.#targets.set(target.address, target);
  }

  detach(address: number): void {
    this.#targets.delete(address);
  }

  target(address: number): I2CTarget | undefined {
    return this.#targets.get(address);
  }

  write(address: number, data: Uint8Array): WriteResult {
    this.counters.writes++;
    this.counters.bytes += data.length + 1;
    const target = this.#targets.get(address);
    const result = target === undefined ? "nack-address" : target.write(data);
    if (result !== "ack") this.counters.nacks++;
    return result;
  }

  read(address: number, target: Uint8Array): boolean {
    this.counters.reads++;
    this.counters.bytes += target.length + 1;
    const device = this.#targets.get(address);
    const ok = device !== undefined && device.read(target);
    if (!ok) this.counters.nacks++;
    return ok;
  }
}

/** Faults every simulated chip can be given; see each model for what they do there. */
export interface ChipFaults {
  /** Address acknowledged, command/data bytes refused. */
  nack: boolean;
  /** Off the bus: nothing acknowledged. */
  disconnect: boolean;
  /** Results frozen at the last value measured before the fault. */
  stuck: boolean;
  /** Checksums sent wrong (chips that have them). */
  crc: boolean;
  /** Conversion time multiplier (1: datasheet maximum). */
  slow: number;
}

export type ChipFaultName = "nack" | "disconnect" | "stuck" | "crc" | "slow";

export function noFaults(): ChipFaults {
  return { nack: false, disconnect: false, stuck: false, crc: false, slow: 1 };
}

/** The simulator clock as a chip sees it. */
export interface ChipClock {
  now(): number;
}
