/**
 * `fieldnode ota rollout`: one image to many devices, canaries first, in
 * widening waves, halting on failures, resumable from a state file. See
 * ROLLOUT_USAGE.
 */
import { checkDeviceId } from "../../commands/topics";
import { timeoutsFor, updateDevice } from "../../ota/device-update";
import { describeThreshold, parseFailureThreshold } from "../../ota/failure-threshold";
import { matchDevices } from "../../ota/glob";
import { settleRetained } from "../../ota/retained-settle";
import { runRollout, type RolloutEvent } from "../../ota/rollout";
import { formatSummary } from "../../ota/rollout-summary";
import { decideStart, isSuccess, loadRolloutState, newRolloutState, RolloutStateError, saveRolloutState, type DeviceRecord, type RolloutState } from "../../ota/rollout-state";
import { DEFAULT_WAVES, parseWaveSpec, planWaves, type Wave } from "../../ota/wave-plan";
import { CliError, EXIT, type CliIo } from "../command";
import { prepareImage, readImageFacts } from "./ota-push";
import { BROKER_OPTIONS, BROKER_USAGE, brokerOption, loadTechnicianKey, prefixOption, secondsOption, withDevices } from "./ota-shared";
import { integerOption, parseCommandLine, readInput } from "./parse-options";

export const ROLLOUT_USAGE = `usage: fieldnode ota rollout --key TECHNICIAN.pem --image FILE.bin
                            (--devices ID,ID... | --pattern GLOB | --devices-file FILE)
                            [--canary N] [--waves 10%,50%,100% | --waves 5,20] [--concurrency N]
                            [--max-failures N | P%] [--state FILE] [--broker URL] [--prefix P]
                            [--serve-host HOST] [--timeout S] [--allow-downgrade] [--json]

Updates many devices with one image: the canaries first, and only once they
have confirmed their trial, the rest in widening waves, at most --concurrency
at a time. A failure or rollback among the canaries, or more failures than
--max-failures, halts the rollout: no device is started after that, and the
ones already updating finish. Ends with a table of every device.

  --devices ID,ID    the devices, in rollout order (the first are the canaries)
  --pattern GLOB     ...or every device the broker has a status for whose id matches
                     (shell glob: * ? [a-z]; quote it), in sorted order
  --devices-file F   ...or one device id per line (# comments)
  --canary N         devices in the canary wave (default 1; 0 for none)
  --waves LIST       cumulative shares of the fleet done after each wave (default
                     ${DEFAULT_WAVES}), or wave sizes (5,20: the last size repeats)
  --concurrency N    devices updating at once (default 10)
  --max-failures N   failed or rolled-back devices tolerated before halting: a count or
                     a share like 5% (default 0: halt at the first)
  --state FILE       record progress here after every device; run again with the same
                     file to resume: devices done are skipped, devices that were updating
                     are re-checked from the broker
  --key, --image, --serve-host, --timeout, --allow-downgrade: as for ota push
${BROKER_USAGE}
  --json             one JSON event per line (plan, wave, start, outcome, halt, summary)

Exit: 0 every device confirmed (or already ran the version), 1 a device failed or
the rollout halted, 2 bad command line, 3 broker unreachable.
`;

/** The device list from exactly one of --devices, --devices-file (--pattern is resolved on the broker). */
export function listedDevices(values: { devices?: string; "devices-file"?: string; pattern?: string }): string[] | { pattern: string } {
  const given = [values.devices, values["devices-file"], values.pattern].filter((v) => v !== undefined).length;
  if (given !== 1) throw new CliError("name the devices with exactly one of --devices, --pattern or --devices-file; see 'fieldnode ota rollout --help'", EXIT.usage);
  if (values.pattern !== undefined) return { pattern: values.pattern };
  const ids =
    values.devices !== undefined
      ? values.devices.split(",").map((d) => d.trim())
      : readInput(values["devices-file"]!, "devices file")
          .toString("utf8")
          .split("\n")
          .map((line) => line.replace(/#.*$/, "").trim())
          .filter((line) => line !== "");
  const seen = new Set<string>();
  for (const id of ids) {
    const problem = checkDeviceId(id);
    if (problem !== undefined) throw new CliError(`${values.devices !== undefined ? "--devices" : values["devices-file"]}: ${problem}`, EXIT.usage);
    if (seen.has(id)) throw new CliError(`device ${id} is listed twice`, EXIT.usage);
    seen.add(id);
  }
  if (ids.length === 0) throw new CliError(`${values["devices-file"]} names no device`, EXIT.usage);
  return ids;
}

function loadState(path: string | undefined, image: { version: string; sha256: string }): RolloutState {
  if (path === undefined) return newRolloutState(image);
  let state: RolloutState | undefined;
  try {
    state = loadRolloutState(path);
  } catch (error) {
    if (error instanceof RolloutStateError) throw new CliError(error.message, EXIT.usage);
    throw new CliError(`cannot read state file ${path}: ${(error as Error).message}`, EXIT.io);
  }
  if (state === undefined) return newRolloutState(image);
  if (state.image.version !== image.version || state.image.sha256 !== image.sha256) {
    throw new CliError(`${path} records a rollout of ${state.image.version} (SHA-256 ${state.image.sha256.slice(0, 16)}...), not this image (${image.version}); use another --state file`, EXIT.usage);
  }
  return state;
}

function seconds(ms: number | null): number | null {
  return ms === null ? null : Math.round(ms / 100) / 10;
}

export async function runRolloutCommand(argv: readonly string[], io: CliIo): Promise<number> {
  const { values } = parseCommandLine("ota rollout", {
    args: [...argv],
    options: {
      key: { type: "string" },
      image: { type: "string" },
      devices: { type: "string" },
      pattern: { type: "string" },
      "devices-file": { type: "string" },
      canary: { type: "string" },
      waves: { type: "string", default: DEFAULT_WAVES },
      concurrency: { type: "string" },
      "max-failures": { type: "string", default: "0" },
      state: { type: "string" },
      "serve-host": { type: "string" },
      timeout: { type: "string" },
      "allow-downgrade": { type: "boolean", default: false },
      ...BROKER_OPTIONS,
    },
    allowPositionals: false,
    strict: true,
  });
  if (values.image === undefined) throw new CliError("--image FILE is required (a rollout serves the image itself); see 'fieldnode ota rollout --help'", EXIT.usage);
  const listed = listedDevices(values);
  const canary = integerOption("ota rollout", "--canary", values.canary, 1, 10_000);
  const concurrency = integerOption("ota rollout", "--concurrency", values.concurrency, 10, 10_000);
  if (concurrency === 0) throw new CliError("--concurrency must be at least 1", EXIT.usage);
  const spec = parseWaveSpec(values.waves as string);
  if (typeof spec === "string") throw new CliError(spec, EXIT.usage);
  const threshold = parseFailureThreshold(values["max-failures"] as string);
  if (typeof threshold === "string") throw new CliError(threshold, EXIT.usage);
  const broker = brokerOption("ota rollout", values.broker);
  const prefix = prefixOption(values.prefix);
  const timeoutS = secondsOption("ota rollout", "--timeout", values.timeout, 30);
  const key = loadTechnicianKey("ota rollout", values.key);
  const json = values.json === true;
  const out = (event: Record<string, unknown>): void => io.stdout(`${JSON.stringify(event)}\n`);
  const say = (text: string): void => {
    if (!json) io.stdout(`${text}\n`);
  };

  // Read the state before serving anything: a wrong file is a usage error.
  const facts = readImageFacts(values.image);
  const state = loadState(values.state, facts);
  const save = (s: RolloutState): void => {
    if (values.state === undefined) return;
    try {
      saveRolloutState(values.state, s);
    } catch (error) {
      throw new CliError(`cannot write state file ${values.state}: ${(error as Error).message}`, EXIT.io);
    }
  };
  const source = await prepareImage({ image: values.image, "serve-host": values["serve-host"], "allow-downgrade": values["allow-downgrade"] }, "ota rollout");
  try {
    return await withDevices(broker, prefix, Array.isArray(listed) ? listed : "all", timeoutS, async (connection, watch) => {
      await settleRetained(watch, Array.isArray(listed) ? { expect: listed } : {});
      const devices = Array.isArray(listed) ? listed : matchDevices(watch.ids(), listed.pattern);
      if (devices.length === 0) throw new CliError(`no device with a status on ${broker.display} under ${prefix}/ matches "${(listed as { pattern: string }).pattern}"`, EXIT.failed);

      // Sort the devices out before planning: done and up-to-date ones are no
      // canaries; updates still going from an earlier run are followed first.
      const resume: string[] = [];
      const fresh: string[] = [];
      for (const device of devices) {
        const decision = decideStart(state.devices[device], watch.get(device)?.report, facts.version);
        if (decision.kind === "follow" || decision.kind === "confirmed") resume.push(device);
        else if (decision.kind === "start") fresh.push(device);
        else if (decision.kind === "up-to-date") {
          state.devices[device] = { wave: "-", result: "up-to-date", nonce: null, from: facts.version, to: facts.version, ms: null, error: null, at: new Date().toISOString() };
        }
      }
      save(state);
      const waves: Wave[] = [...(resume.length > 0 ? [{ label: "resume", devices: resume }] : []), ...planWaves(fresh, canary, spec)];
      const skipped = devices.filter((d) => !resume.includes(d) && !fresh.includes(d));
      const limit = describeThreshold(threshold, resume.length + fresh.length);
      if (json) out({ event: "plan", version: facts.version, url: source.job.url, waves: waves.map((w) => ({ wave: w.label, devices: w.devices })), skipped, concurrency, maxFailures: values["max-failures"] });
      else {
        say(`rollout of fieldnode ${facts.version} to ${devices.length} device${devices.length === 1 ? "" : "s"} from ${source.job.url}`);
        say(`  waves: ${waves.map((w) => `${w.label} (${w.devices.length})`).join(", ") || "none"}; at most ${concurrency} at once; ${limit}`);
        if (skipped.length > 0) say(`  already on ${facts.version}: ${skipped.join(", ")}`);
      }

      const onEvent = (event: RolloutEvent): void => {
        if (json) {
          if (event.kind === "wave") out({ event: "wave", wave: event.wave.label, devices: event.wave.devices });
          else if (event.kind === "start") out({ event: "start", device: event.device, wave: event.wave, resumed: event.follow });
          else if (event.kind === "outcome") out({ event: "outcome", device: event.device, ...outcomeJson(event.record) });
          else out({ event: "halt", reason: event.reason });
          return;
        }
        if (event.kind === "wave") say(`wave ${event.wave.label}: ${event.wave.devices.join(", ")}`);
        else if (event.kind === "start") say(`  ${event.device}: ${event.follow ? "following its update from the last run" : "ota.start sent"}`);
        else if (event.kind === "outcome") say(`  ${event.device}: ${describeRecord(event.record)}`);
        else say(`HALTED: ${event.reason}; no more devices are started`);
      };
      const result = await runRollout({
        waves,
        concurrency,
        threshold,
        version: facts.version,
        state,
        save,
        decide: (device) => decideStart(state.devices[device], watch.get(device)?.report, facts.version),
        update: (device, follow, sent) =>
          updateDevice({ connection, watch, key }, device, source.job, { timeouts: timeoutsFor(timeoutS), onSent: sent, ...(follow !== undefined ? { follow } : {}) }),
        onEvent,
      });
      const ok = result.ok && devices.every((d) => state.devices[d] !== undefined && isSuccess(state.devices[d]!.result));
      if (json) {
        out({ event: "summary", ok, halted: result.halted, devices: devices.map((d) => ({ device: d, ...(state.devices[d] ? outcomeJson(state.devices[d]!) : { result: "not started" }) })) });
      } else {
        io.stdout(`\n${formatSummary(devices, state.devices, facts.version)}`);
        const counts = countResults(devices, state.devices);
        say(`${ok ? "done" : result.halted !== null ? "halted" : "finished with failures"}: ${counts}${values.state !== undefined && !ok ? `; run again with --state ${values.state} to resume` : ""}`);
      }
      return ok ? EXIT.ok : EXIT.failed;
    });
  } finally {
    await source.server?.close();
  }
}

function outcomeJson(record: DeviceRecord): Record<string, unknown> {
  return { wave: record.wave, result: record.result, from: record.from, to: record.to, seconds: seconds(record.ms), error: record.error };
}

function describeRecord(record: DeviceRecord): string {
  const time = record.ms === null ? "" : ` (${(record.ms / 1000).toFixed(1)} s)`;
  if (record.result === "confirmed") return `confirmed ${record.from ?? "?"} -> ${record.to}${time}`;
  if (record.result === "up-to-date") return `already runs ${record.to}`;
  return `${record.result}${time}${record.error === null ? "" : `: ${record.error.code}: ${record.error.message}`}`;
}

function countResults(devices: readonly string[], records: Readonly<Record<string, DeviceRecord>>): string {
  const counts = new Map<string, number>();
  for (const d of devices) {
    const result = records[d]?.result ?? "not started";
    counts.set(result, (counts.get(result) ?? 0) + 1);
  }
  return [...counts].map(([result, n]) => `${n} ${result}`).join(", ");
}
