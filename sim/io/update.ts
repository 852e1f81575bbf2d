import type { FlashPartition } from "../../firmware/host/storage";
import type { Update, UpdateProvider } from "../../firmware/host/update";
import { isOtaApp } from "../boot/partition-table";
import { OTA_SIZE_UNKNOWN, OTA_WITH_SEQUENTIAL_WRITES, OtaError, type OtaOps, type OtaUpdate } from "../boot/ota-ops";
import type { PowerDomain } from "../device/power-domain";
import { PowerCutError } from "../flash/nor-flash";
import { partitionOf } from "./flash-storage";

/**
 * `embedded:update` over the simulated esp_ota_* functions, with the checks
 * and messages of Moddable's update-esp32.c: append mode refuses offsets,
 * byteLength beyond the slot is a RangeError, begin fails while the running
 * image is still on trial, complete() = esp_ota_end + set_boot_partition.
 * The ESP-IDF reason is kept as the error's cause for diagnostics.
 */
export function createUpdateModule(ops: () => OtaOps, domain: PowerDomain): UpdateProvider {
  return {
    open({ partition, mode = "a", byteLength }) {
      const entry = partitionOf(partition);
      if (entry === undefined) throw new Error("partition not found");
      if ((partition as FlashPartition & { readOnly?: boolean }).readOnly) throw new Error("read-only partition");
      if (!isOtaApp(entry)) throw new Error("partition not found");
      if (mode !== "a" && mode !== "w") throw new RangeError("invalid mode");
      let size = OTA_SIZE_UNKNOWN;
      if (byteLength !== undefined) {
        if (!Number.isFinite(byteLength) || byteLength < 0 || byteLength > entry.size) throw new RangeError("invalid byteLength");
        size = byteLength;
      }
      if (mode === "a") size = OTA_WITH_SEQUENTIAL_WRITES;
      let session: OtaUpdate;
      try {
        session = onChip(domain, () => ops().beginUpdate(entry, size));
      } catch (error) {
        throw withCause("begin failed", error);
      }
      return new SimUpdate(session, mode === "a", ops, domain);
    },
  };
}

class SimUpdate implements Update {
  #session: OtaUpdate | undefined;
  readonly #append: boolean;
  readonly #ops: () => OtaOps;
  readonly #domain: PowerDomain;

  constructor(session: OtaUpdate, append: boolean, ops: () => OtaOps, domain: PowerDomain) {
    this.#session = session;
    this.#append = append;
    this.#ops = ops;
    this.#domain = domain;
    domain.own(this);
  }

  write(data: Uint8Array, byteOffset?: number): void {
    const session = this.#active();
    try {
      if (this.#append) {
        if (byteOffset !== undefined) throw new Error("offset not allowed");
        onChip(this.#domain, () => session.write(data));
      } else {
        if (byteOffset === undefined || !Number.isFinite(byteOffset) || byteOffset < 0 || byteOffset > 0xffffffff) {
          throw new RangeError("invalid offset");
        }
        onChip(this.#domain, () => session.writeWithOffset(data, byteOffset));
      }
    } catch (error) {
      if (error instanceof OtaError) throw withCause("write failed", error);
      throw error;
    }
  }

  complete(): void {
    const session = this.#active();
    this.#session = undefined;
    try {
      onChip(this.#domain, () => session.end());
    } catch (error) {
      if (error instanceof OtaError) throw withCause("end failed", error);
      throw error;
    }
    try {
      onChip(this.#domain, () => this.#ops().setBootPartition(session.partition));
    } catch (error) {
      if (error instanceof OtaError) throw withCause("can't change boot partition", error);
      throw error;
    }
  }

  close(): void {
    this.#session?.abort();
    this.#session = undefined;
    this.#domain.disown(this);
  }

  release(): void {
    this.#session = undefined;
  }

  #active(): OtaUpdate {
    if (this.#session === undefined) throw new Error("already complete");
    return this.#session;
  }
}

/** A power cut inside an esp_ota_* flash operation ends the power domain at once. */
function onChip<T>(domain: PowerDomain, operation: () => T): T {
  try {
    return operation();
  } catch (error) {
    if (error instanceof PowerCutError) domain.powerLost(error);
    throw error;
  }
}

function withCause(message: string, cause: unknown): Error {
  const error = new Error(message, { cause });
  return error;
}
