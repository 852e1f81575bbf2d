/**
 * Runs inside the engines (Node vm and XS), bundled with the scenarios, so it
 * may use nothing but the language: no Node APIs, no timers, no TextEncoder.
 */
import type { JsonValue, Results, ScenarioFn, ScenarioResult } from "./results";

declare global {
  var __fieldnodeRun: (() => Promise<Results>) | undefined;
}

export function installScenarioRunner(scenarios: unknown): void {
  globalThis.__fieldnodeRun = () => runScenarios(scenarios);
}

async function runScenarios(scenarios: unknown): Promise<Results> {
  if (!isPlainObject(scenarios)) {
    throw new TypeError("the scenario module must export `scenarios`, an object of functions");
  }
  const results: Results = [];
  // One at a time, in declaration order: an async scenario must not interleave
  // with the next one, or shared firmware state would make results depend on
  // the engine's job scheduling instead of on the code.
  for (const name of Object.keys(scenarios)) {
    results.push(await runOne(name, scenarios[name]));
  }
  return results;
}

async function runOne(name: string, scenario: unknown): Promise<ScenarioResult> {
  if (typeof scenario !== "function") {
    return { name, ok: false, error: `scenario "${name}" is not a function` };
  }
  try {
    const value: unknown = await (scenario as ScenarioFn)();
    const problem = findNonJson(value, "$", []);
    if (problem !== undefined) {
      return { name, ok: false, error: `result is not JSON: ${problem}` };
    }
    return { name, ok: true, value: value as JsonValue };
  } catch (error) {
    return { name, ok: false, error: describeError(error) };
  }
}

function describeError(error: unknown): string {
  if (error instanceof Error) return `${error.name}: ${error.message}`;
  try {
    return `thrown non-Error: ${String(error)}`;
  } catch {
    return "thrown non-Error value";
  }
}

/**
 * JSON.stringify silently turns NaN into null, drops undefined and writes a
 * Uint8Array as {"0":..}; each of those could hide a real difference between
 * the engines, so anything that does not round-trip exactly is refused.
 */
function findNonJson(value: unknown, path: string, ancestors: object[]): string | undefined {
  if (value === null || typeof value === "boolean" || typeof value === "string") return undefined;
  if (typeof value === "number") {
    return Number.isFinite(value) ? undefined : `${path} is ${String(value)}`;
  }
  if (typeof value !== "object") return `${path} is ${typeof value}`;
  if (ancestors.includes(value)) return `${path} is a cycle`;
  const inside = [...ancestors, value];
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      if (!(i in value)) return `${path}[${i}] is a hole`;
      const problem = findNonJson(value[i], `${path}[${i}]`, inside);
      if (problem !== undefined) return problem;
    }
    return undefined;
  }
  if (!isPlainObject(value)) {
    const kind = ArrayBuffer.isView(value) ? " (encode bytes as hex)" : "";
    return `${path} is a ${value.constructor?.name ?? "non-plain object"}${kind}`;
  }
  for (const key of Object.keys(value)) {
    const problem = findNonJson(value[key], `${path}.${key}`, inside);
    if (problem !== undefined) return problem;
  }
  return undefined;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== "object" || value === null) return false;
  const proto: unknown = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}
