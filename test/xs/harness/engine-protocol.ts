/**
 * The script text wrapped around a bundle, identical for both engines, so the
 * only engine-specific piece is how one string gets out: the engine provides
 * `print(text)` and `__fieldnodeSend(text)`, everything else is shared here.
 */
import type { EngineReport, Results } from "./results";

/**
 * Moddable's `trace` writes its arguments back to back with no newline of its
 * own (firmware ends messages with "\n"); `print` adds one, so drop a single
 * trailing newline to keep one trace call = one output line. xsnap has a
 * native `trace`, but its output goes to the xsbug channel, which is not
 * connected, so it is replaced too.
 */
const TRACE_PRELUDE = `
globalThis.trace = function trace(...args) {
  const text = args.map(String).join("");
  print(text.endsWith("\\n") ? text.slice(0, -1) : text);
};
`;

/**
 * Runs the scenarios and sends exactly one report. Stringified inside the
 * engine, so both sides are compared through the same JSON text they produced.
 */
const REPORT_EPILOGUE = `
;(function () {
  const send = globalThis.__fieldnodeSend;
  const fatal = (error) => send(JSON.stringify({ fatal: String((error && error.message) || error) }));
  const run = globalThis.__fieldnodeRun;
  if (typeof run !== "function") {
    fatal("__fieldnodeRun is not installed (was the script built with bundleScenarioFile?)");
    return;
  }
  run().then((results) => {
    try { send(JSON.stringify({ results })); } catch (error) { fatal(error); }
  }, fatal);
})();
`;

/** `enginePrelude` is the engine's own setup (for XS: defining __fieldnodeSend). */
export function wrapBundle(bundle: string, enginePrelude = ""): string {
  return `${enginePrelude}\n${TRACE_PRELUDE}\n${bundle}\n${REPORT_EPILOGUE}`;
}

export function parseReport(engine: string, messages: readonly string[]): Results {
  if (messages.length === 0) {
    // Neither engine has timers here, so a run that has not settled once the
    // job queue is empty never will.
    throw new Error(
      `${engine}: __fieldnodeRun did not settle after the job queue drained; ` +
        "a scenario awaits a promise nothing will resolve",
    );
  }
  if (messages.length > 1) {
    throw new Error(`${engine}: expected one report, got ${messages.length}`);
  }
  const report = JSON.parse(messages[0] ?? "") as EngineReport;
  if ("fatal" in report) throw new Error(`${engine}: scenario runner failed: ${report.fatal}`);
  if (!Array.isArray(report.results)) throw new Error(`${engine}: malformed report ${messages[0]}`);
  return report.results;
}
