/**
 * What a scenario run reports, shared by the code bundled into the engines and
 * the Node side that reads it back. Types only, so importing it costs the
 * bundle nothing.
 */
export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };

export type ScenarioFn = () => unknown | Promise<unknown>;

/**
 * The contract of a `test/xs/scenarios/<name>.scenario.ts` module:
 * - results are JSON values (bytes as hex); NaN, undefined or a typed array
 *   is reported as that scenario's error rather than silently coerced;
 * - scenarios run one after another in declaration order, sharing the
 *   file's module state, in a fresh engine per file;
 * - there are no timers in either engine: a scenario may await, but only
 *   promises the code itself resolves;
 * - compare values, never error messages (engines word them differently).
 */
export interface ScenarioModule {
  scenarios: Record<string, ScenarioFn>;
}

export type ScenarioResult =
  | { name: string; ok: true; value: JsonValue }
  | { name: string; ok: false; error: string };

export type Results = ScenarioResult[];

/**
 * The one message each engine sends back after `__fieldnodeRun` settles:
 * `fatal` when the runner itself could not run (not a scenario's failure).
 */
export type EngineReport = { results: Results } | { fatal: string };
