/**
 * Pairs the two engines' results scenario by scenario, and renders the summary
 * table the acceptance criteria ask for.
 */
import { isDeepStrictEqual } from "node:util";
import type { Results, ScenarioResult } from "./results";

/** One engine's run of one scenario file: its results, or why there are none. */
export type EngineOutcome = { ran: true; results: Results } | { ran: false; error: string };

/** How one scenario went on one engine. */
export type ScenarioOutcome =
  | ScenarioResult
  | { name: string; ok: false; error: string; crashed: true }
  | undefined;

export interface ScenarioComparison {
  /** "<file>/<scenario>", e.g. "language/privateFields". */
  scenario: string;
  name: string;
  node: ScenarioOutcome;
  xs: ScenarioOutcome;
  /** Both ran without error and produced deep-equal values. */
  equal: boolean;
}

export function compareOutcomes(file: string, node: EngineOutcome, xs: EngineOutcome): ScenarioComparison[] {
  const names = [...new Set([...namesOf(node), ...namesOf(xs)])];
  // Both engines died before reporting: still one row, so the summary shows it.
  if (names.length === 0) names.push("*");
  return names.map((name) => {
    const onNode = outcomeOf(node, name);
    const onXs = outcomeOf(xs, name);
    const equal = onNode?.ok === true && onXs?.ok === true && isDeepStrictEqual(onNode.value, onXs.value);
    return { scenario: `${file}/${name}`, name, node: onNode, xs: onXs, equal };
  });
}

function namesOf(outcome: EngineOutcome): string[] {
  return outcome.ran ? outcome.results.map((result) => result.name) : [];
}

function outcomeOf(outcome: EngineOutcome, name: string): ScenarioOutcome {
  if (!outcome.ran) return { name, ok: false, error: outcome.error, crashed: true };
  return outcome.results.find((result) => result.name === name);
}

function status(outcome: ScenarioOutcome): string {
  if (outcome === undefined) return "missing";
  if (outcome.ok) return "ok";
  return "crashed" in outcome ? "crash" : "error";
}

export function formatSummary(rows: readonly ScenarioComparison[]): string {
  const table = [
    ["scenario", "node", "xs", "equal"],
    ...rows.map((row) => [row.scenario, status(row.node), status(row.xs), row.equal ? "yes" : "NO"]),
  ];
  const widths = table[0]!.map((_, column) => Math.max(...table.map((cells) => cells[column]!.length)));
  const lines = table.map((cells) => cells.map((cell, column) => cell.padEnd(widths[column]!)).join(" | ").trimEnd());
  lines.splice(1, 0, widths.map((width) => "-".repeat(width)).join("-|-"));
  const equal = rows.filter((row) => row.equal).length;
  lines.push("", `XS engine suite: ${rows.length} scenarios, ${equal} equal on XS and Node`);
  return lines.join("\n");
}
