/**
 * The slave's own configuration as register values a master may write. A
 * write is checked (range, and refused as busy while an update writes flash)
 * and staged; it takes effect after the reply has gone out with the old
 * settings, and is then persisted (see modbus.ts).
 *
 * Parity codes: 0 none, 1 odd, 2 even.
 */
import { ILLEGAL_DATA_VALUE, OK, SERVER_DEVICE_BUSY, type SourceProvider } from "./sources";
import { PARITIES, SUPPORTED_BAUDS, defaultStopBits, type ModbusSettings } from "./settings";
import type { Parity, StopBits } from "./timing";

export class ModbusConfig {
  #current: ModbusSettings;
  #staged: { address: number; baud: number; parity: Parity; stopBits: StopBits } | undefined;
  readonly #busy: () => boolean;
  readonly source: SourceProvider;

  constructor(current: ModbusSettings, busy: () => boolean) {
    this.#current = current;
    this.#busy = busy;
    const guard = (valid: (value: number) => boolean) => (value: number) =>
      this.#busy() ? SERVER_DEVICE_BUSY : valid(value) ? OK : ILLEGAL_DATA_VALUE;
    this.source = {
      description: "the slave's address and serial line (persisted; applied after the reply)",
      points: {
        address: {
          read: () => this.#current.address,
          check: guard((v) => Number.isInteger(v) && v >= 1 && v <= 247),
          write: (v) => this.#stage((s) => (s.address = v)),
        },
        baud: {
          read: () => this.#current.baud,
          check: guard((v) => SUPPORTED_BAUDS.includes(Math.round(v))),
          write: (v) => this.#stage((s) => (s.baud = Math.round(v))),
        },
        parity: {
          read: () => PARITIES.indexOf(this.#current.parity),
          check: guard((v) => v === 0 || v === 1 || v === 2),
          write: (v) =>
            this.#stage((s) => {
              s.parity = PARITIES[v]!;
              s.stopBits = defaultStopBits(s.parity);
            }),
        },
        stopBits: {
          read: () => this.#current.stopBits,
          check: guard((v) => v === 1 || v === 2),
          write: (v) => this.#stage((s) => (s.stopBits = v as StopBits)),
        },
      },
    };
  }

  get current(): ModbusSettings {
    return this.#current;
  }

  set current(settings: ModbusSettings) {
    this.#current = settings;
  }

  /** The settings the last writes asked for, once; undefined when nothing was written. */
  takeStaged(): ModbusSettings | undefined {
    const staged = this.#staged;
    this.#staged = undefined;
    return staged;
  }

  #stage(change: (settings: { address: number; baud: number; parity: Parity; stopBits: StopBits }) => void): number {
    const next = this.#staged ?? { ...this.#current };
    change(next);
    this.#staged = next;
    return OK;
  }
}
