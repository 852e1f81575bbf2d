import type { I2CConstructor, I2CIO, I2COptions } from "../../firmware/sensors/io";
import type { PowerDomain } from "../device/power-domain";
import { SimI2CBus } from "../sensors/i2c-bus";

/** GPIOs an ESP32 can drive as I2C lines (any output-capable pin). */
const OUTPUT_PINS = new Set([0, 1, 2, 3, 4, 5, 12, 13, 14, 15, 16, 17, 18, 19, 21, 22, 23, 25, 26, 27, 32, 33]);

/** Buses by their pins, "data/clock". */
export type I2CWiring = ReadonlyMap<string, SimI2CBus>;

export function wiringKey(data: number, clock: number): string {
  return `${data}/${clock}`;
}

/**
 * ECMA-419 I2C (embedded:io/i2c) over simulated buses, with the checks and
 * errors of Moddable's ESP32 implementation (modules/io/i2c/esp32/_i2c.c):
 * "data required", "clock required", "address required", "invalid address",
 * "invalid hz", "unusable pins", "duplicate address"; a refused transfer
 * throws "write failed" / "read failed"; a zero-length write is a probe that
 * returns 1 when nothing acknowledges. Pins with no bus wired to them behave
 * as an empty bus.
 */
export function createI2CClass(wiring: I2CWiring, domain: PowerDomain): I2CConstructor {
  const open = new Set<string>();
  const empty = new SimI2CBus();

  class I2C implements I2CIO {
    readonly #bus: SimI2CBus;
    readonly #address: number;
    readonly #key: string;
    #open = true;

    constructor(options: I2COptions) {
      if (options.data === undefined) throw new RangeError("data required");
      if (options.clock === undefined) throw new RangeError("clock required");
      if (options.address === undefined) throw new RangeError("address required");
      const { data, clock, address } = options;
      if (!Number.isInteger(address) || address < 0 || address > 127) throw new RangeError("invalid address");
      const key = `${wiringKey(data, clock)}@${address}`;
      if (open.has(key)) throw new RangeError("duplicate address");
      if (!OUTPUT_PINS.has(data) || !OUTPUT_PINS.has(clock)) throw new RangeError("unusable pins");
      const hz = options.hz;
      if (!(hz > 0 && hz <= 20_000_000)) throw new RangeError("invalid hz");
      if (options.timeout !== undefined && options.timeout < -1) throw new RangeError("invalid timeout");
      this.#bus = wiring.get(wiringKey(data, clock)) ?? empty;
      this.#address = address;
      this.#key = key;
      open.add(key);
      domain.own(this);
    }

    get format(): "buffer" {
      return "buffer";
    }

    read(target: Uint8Array, stop?: boolean): number;
    read(byteLength: number, stop?: boolean): ArrayBuffer;
    read(what: Uint8Array | number): number | ArrayBuffer {
      this.#check();
      if (typeof what === "number") {
        const fresh = new Uint8Array(what);
        if (!this.#bus.read(this.#address, fresh)) throw new Error("read failed");
        return fresh.buffer;
      }
      if (!this.#bus.read(this.#address, what)) throw new Error("read failed");
      return what.length;
    }

    write(data: Uint8Array): number | undefined {
      this.#check();
      const result = this.#bus.write(this.#address, data);
      if (data.length === 0) return result === "ack" ? undefined : 1;
      if (result !== "ack") throw new Error("write failed");
      return undefined;
    }

    close(): void {
      if (!this.#open) return;
      this.release();
      domain.disown(this);
    }

    release(): void {
      this.#open = false;
      open.delete(this.#key);
    }

    #check(): void {
      if (!this.#open) throw new Error("closed");
    }
  }

  return I2C;
}
