/** The XS engine harness: bundle once, run on Node and on XS, compare. */
export { bundleForEngines, type BundleOptions } from "./bundle";
export { bundleScenarioFile, type ScenarioBundleOptions } from "./scenario-bundle";
export { runOnNode, type EngineRunOptions } from "./run-node";
export { runOnXs, assertXsnapWorkerBuilt, xsnapWorkerBinary, type XsRunOptions } from "./run-xs";
export {
  compareOutcomes,
  formatSummary,
  type EngineOutcome,
  type ScenarioComparison,
  type ScenarioOutcome,
} from "./compare";
export type { JsonValue, Results, ScenarioFn, ScenarioModule, ScenarioResult } from "./results";
