/**
 * One device's update, from the signed ota.start to the end of its trial:
 * publish the command, take the device's answer, then follow its OTA reports
 * (only this update's: update-match.ts) until a final state. `ota push` shows
 * the events as they come; `ota rollout` runs many of these at once over one
 * connection.
 */
import { TRIAL_DEADLINE_MS } from "../../firmware/boot/trial-timing";
import type { CommandResult } from "../../firmware/commands/command-format";
import { isFinalOtaState, type OtaReport, type OtaReportState } from "../../firmware/ota/ota-report";
import type { DeviceWatch } from "../commands/device-watch";
import { isAnswerTo } from "../commands/send-command";
import { signCommand } from "../commands/sign-command";
import type { TechnicianKey } from "../commands/technician-key";
import { deviceTopics } from "../commands/topics";
import type { BrokerConnection } from "../mqtt/broker-connection";
import { belongsToUpdate, failureOf, type UpdateError } from "./update-match";

/** What ota.start asks for (its args). */
export interface OtaJob {
  readonly url: string;
  readonly version: string;
  /** Payload SHA-256, hex, as `fieldnode inspect` prints it. */
  readonly sha256: string;
  readonly allowDowngrade: boolean;
}

/** After it restarts, a device may take this long to confirm or reject the new image. */
export const DEVICE_TRIAL_DEADLINE_MS = TRIAL_DEADLINE_MS;

export interface UpdateTimeouts {
  /** For the device's answer to the command. */
  readonly answerMs: number;
  /** Longest silence while it downloads and installs. */
  readonly quietMs: number;
  /** Longest silence from the restart to the end of the trial. */
  readonly trialMs: number;
}

export function timeoutsFor(timeoutS: number): UpdateTimeouts {
  return { answerMs: timeoutS * 1000, quietMs: timeoutS * 1000, trialMs: DEVICE_TRIAL_DEADLINE_MS + timeoutS * 1000 };
}

export type UpdateEvent =
  | { readonly kind: "command-result"; readonly result: CommandResult }
  | { readonly kind: "state"; readonly report: OtaReport }
  | { readonly kind: "progress"; readonly report: OtaReport }
  | { readonly kind: "presence"; readonly online: boolean };

export type DeviceUpdateResult = "confirmed" | "failed" | "rolled-back" | "refused" | "no-answer" | "stalled";

export interface DeviceUpdateOutcome {
  readonly device: string;
  readonly nonce: string;
  readonly result: DeviceUpdateResult;
  /** The version the device ran before, when it said. */
  readonly from: string | null;
  readonly to: string;
  /** The version it runs at the end, when it said. */
  readonly running: string | null;
  readonly ms: number;
  readonly error: UpdateError | null;
  /** The device's answer when it refused the command. */
  readonly refusal: CommandResult | null;
  /** The last state heard: where a stalled update stopped. */
  readonly lastState: OtaReportState | null;
}

export interface UpdateContext {
  readonly connection: BrokerConnection;
  readonly watch: DeviceWatch;
  readonly key: TechnicianKey;
}

export interface UpdateOptions {
  readonly timeouts: UpdateTimeouts;
  readonly onEvent?: (event: UpdateEvent) => void;
  /** Follow the update this nonce started (a resumed rollout) instead of sending a new command. */
  readonly follow?: string;
  /** Told the nonce just before the command is published (a rollout records it first). */
  readonly onSent?: (nonce: string) => void;
}

const RESTARTING: ReadonlySet<OtaReportState> = new Set(["rebooting", "trial", "rejected"]);

export async function updateDevice(context: UpdateContext, device: string, job: OtaJob, options: UpdateOptions): Promise<DeviceUpdateOutcome> {
  const { connection, watch, key } = context;
  const started = Date.now();
  const signed =
    options.follow === undefined
      ? signCommand(key, {
          device,
          command: "ota.start",
          args: { url: job.url, version: job.version, sha256: job.sha256, ...(job.allowDowngrade ? { allowDowngrade: true } : {}) },
        })
      : undefined;
  const nonce = options.follow ?? signed!.nonce;
  const identity = { nonce, version: job.version };
  const retained = watch.get(device)?.report;
  let from: string | null = options.follow === undefined ? (retained?.running ?? null) : (retained?.previous ?? null);
  let running: string | null = retained?.running ?? null;
  let accepted = options.follow !== undefined;
  /** The answer can come after the first report (both are on their way at once): shown either way, once. */
  let answered = options.follow !== undefined;
  let lastState: OtaReportState | null = null;
  let lastBytes = -1;
  const tell = options.onEvent ?? (() => {});
  // The device starts the download (and reports it) before it publishes its
  // answer: reports that overtake the answer wait for it, so the events read
  // in the order things happened on the device's side of the command.
  const held: UpdateEvent[] = [];
  const emit = (event: UpdateEvent): void => {
    if (answered || event.kind === "command-result") tell(event);
    else held.push(event);
  };
  const release = (): void => {
    for (const event of held.splice(0)) tell(event);
  };

  return new Promise<DeviceUpdateOutcome>((resolve) => {
    let timer: NodeJS.Timeout | undefined;
    let done = false;
    const finish = (result: DeviceUpdateResult, error: UpdateError | null, refusal: CommandResult | null = null): void => {
      if (done) return;
      done = true;
      answered = true;
      release();
      clearTimeout(timer);
      detach();
      resolve({ device, nonce, result, from, to: job.version, running, ms: Date.now() - started, error, refusal, lastState });
    };
    const arm = (): void => {
      clearTimeout(timer);
      if (!accepted) {
        timer = setTimeout(() => finish("no-answer", { code: "NO_ANSWER", number: null, message: `device ${device} did not answer within ${options.timeouts.answerMs / 1000} s` }), options.timeouts.answerMs);
        return;
      }
      const ms = lastState !== null && RESTARTING.has(lastState) ? options.timeouts.trialMs : options.timeouts.quietMs;
      timer = setTimeout(
        () => finish("stalled", { code: "STALLED", number: null, message: `device ${device} reported nothing for ${ms / 1000} s${lastState === null ? " after accepting the command" : ` after "${lastState}"`}` }),
        ms,
      );
    };
    const take = (report: OtaReport): void => {
      accepted = true;
      running = report.running;
      if (from === null && !RESTARTING.has(report.state) && report.state !== "confirmed" && report.state !== "rolled-back") from = report.running;
      if (report.state !== lastState) emit({ kind: "state", report });
      else if (report.bytes !== lastBytes) emit({ kind: "progress", report });
      lastState = report.state;
      lastBytes = report.bytes;
      if (isFinalOtaState(report.state)) {
        finish(report.state as "confirmed" | "failed" | "rolled-back", failureOf(report));
        return;
      }
      arm();
    };
    const detach = watch.on((event) => {
      if (done || event.device !== device) return;
      // Retained presence is the state before we came; only changes are news.
      if (event.kind === "presence") {
        if (!event.retain) emit({ kind: "presence", online: event.online });
      } else if (event.kind === "result") {
        // A refusal without a nonce is ours only while nothing of our update has been heard.
        if (answered || !isAnswerTo(event.result, nonce) || (accepted && event.result.nonce !== nonce)) return;
        answered = true;
        emit({ kind: "command-result", result: event.result });
        release();
        if (event.result.result === "refused") {
          finish("refused", { code: event.result.reason ?? "refused", number: null, message: event.result.message }, event.result);
          return;
        }
        if (!accepted) {
          accepted = true;
          arm();
        }
      } else if (belongsToUpdate(event.report, identity, accepted)) take(event.report);
    });
    arm();
    if (signed === undefined) {
      // Resuming: the retained report may already say how it ended.
      if (retained !== undefined && belongsToUpdate(retained, identity, true)) take(retained);
      return;
    }
    options.onSent?.(nonce);
    connection.publish(deviceTopics(watch.prefix, device).cmd, signed.envelope).catch((error: unknown) => {
      finish("no-answer", { code: "PUBLISH_FAILED", number: null, message: `could not publish the command: ${error instanceof Error ? error.message : String(error)}` });
    });
  });
}
