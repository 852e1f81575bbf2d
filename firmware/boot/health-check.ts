/**
 * One thing a new image must prove before it keeps its slot: the Modbus UART
 * is up, the sensors answer, the broker is reachable. Each capability
 * registers its own; the trial boot polls them.
 */
export type HealthVerdict = "pass" | "fail" | "pending";

export interface HealthCheck {
  readonly name: string;
  /** Cheap and synchronous: called on a timer until every check passes. */
  check(): HealthVerdict;
}

/** Where capabilities register their checks during start-up. */
export class HealthChecks {
  readonly #checks: HealthCheck[] = [];

  add(check: HealthCheck): void {
    if (this.#checks.some((c) => c.name === check.name)) throw new Error(`health check "${check.name}" registered twice`);
    this.#checks.push(check);
  }

  get all(): readonly HealthCheck[] {
    return this.#checks;
  }
}
