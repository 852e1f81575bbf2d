/**
 * Everything the firmware opened during one power-on: its timers, its IO
 * objects. Cutting power (or a reset) ends the domain; every resource it owns is
 * released at once and any late callback is dropped, the way a reset leaves no
 * trace of the previous run's event loop.
 */
export interface PoweredResource {
  release(): void;
}

export class PowerDomain {
  #resources = new Set<PoweredResource>();
  #alive = true;
  readonly #onFault: (error: unknown) => void;

  constructor(onFault: (error: unknown) => void) {
    this.#onFault = onFault;
  }

  get alive(): boolean {
    return this.#alive;
  }

  own(resource: PoweredResource): void {
    if (!this.#alive) throw new Error("device is powered off");
    this.#resources.add(resource);
  }

  disown(resource: PoweredResource): void {
    this.#resources.delete(resource);
  }

  /**
   * Runs firmware code on behalf of a peripheral or timer. An exception that
   * escapes firmware code is a panic on the device (XS aborts, ESP-IDF reboots),
   * so it is reported, not swallowed.
   */
  run(callback: () => void): void {
    if (!this.#alive) return;
    try {
      callback();
    } catch (error) {
      // Code still unwinding after a restart or power cut ended this domain
      // fails on its released resources; on the chip it would never have run.
      if (this.#alive) this.#onFault(error);
    }
  }

  /**
   * The chip lost power inside an operation (an armed flash cut). Reported at
   * once, not when the exception surfaces: firmware that catches errors must
   * not get to run on as if the power were still there.
   */
  powerLost(error: unknown): void {
    if (this.#alive) this.#onFault(error);
  }

  end(): void {
    if (!this.#alive) return;
    this.#alive = false;
    for (const resource of this.#resources) resource.release();
    this.#resources.clear();
  }
}
