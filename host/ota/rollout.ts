/**
 * The rollout itself: waves one after another, at most `concurrency` devices
 * updating at once within a wave, the next wave only once every device of
 * the last one confirmed its trial (or failed). It halts, starting no new
 * device while those in flight finish, when a canary fails or when failures
 * exceed the threshold. Every outcome is written to the state before the
 * next device starts. Broker and devices are behind `update` and `decide`,
 * so the policy is tested without either.
 */
import type { DeviceUpdateOutcome } from "./device-update";
import { thresholdExceeded, type FailureThreshold } from "./failure-threshold";
import { isSuccess, type DeviceRecord, type RolloutState, type StartDecision } from "./rollout-state";
import type { Wave } from "./wave-plan";

export type RolloutEvent =
  | { readonly kind: "wave"; readonly wave: Wave }
  | { readonly kind: "start"; readonly device: string; readonly wave: string; readonly follow: boolean }
  | { readonly kind: "outcome"; readonly device: string; readonly record: DeviceRecord }
  | { readonly kind: "halt"; readonly reason: string };

export interface RolloutOptions {
  readonly waves: readonly Wave[];
  readonly concurrency: number;
  readonly threshold: FailureThreshold;
  readonly version: string;
  readonly state: RolloutState;
  /** Persists `state` (atomically) after each change. */
  readonly save: (state: RolloutState) => void;
  /** What to do with a device that was planned (its retained report is read at the moment it comes up). */
  readonly decide: (device: string) => StartDecision;
  /** Updates one device (or follows the update `follow` names); calls `sent` with the nonce before publishing. */
  readonly update: (device: string, follow: string | undefined, sent: (nonce: string) => void) => Promise<DeviceUpdateOutcome>;
  readonly onEvent?: (event: RolloutEvent) => void;
}

export interface RolloutResult {
  /** Why it halted, or null when every wave ran. */
  readonly halted: string | null;
  readonly failures: number;
  /** Whether every planned device ended confirmed or up to date. */
  readonly ok: boolean;
}

function recordOf(wave: string, outcome: DeviceUpdateOutcome): DeviceRecord {
  return { wave, result: outcome.result, nonce: outcome.nonce, from: outcome.from, to: outcome.to, ms: outcome.ms, error: outcome.error, at: new Date().toISOString() };
}

export async function runRollout(options: RolloutOptions): Promise<RolloutResult> {
  const { state, version } = options;
  const emit = options.onEvent ?? (() => {});
  const total = options.waves.reduce((n, w) => n + w.devices.length, 0);
  let failures = 0;
  let halted: string | null = null;
  const record = (device: string, entry: DeviceRecord): void => {
    state.devices[device] = entry;
    options.save(state);
  };
  const halt = (reason: string): void => {
    if (halted !== null) return;
    halted = reason;
    state.halted = reason;
    options.save(state);
    emit({ kind: "halt", reason });
  };

  for (const wave of options.waves) {
    if (halted !== null) break;
    emit({ kind: "wave", wave });
    const queue = [...wave.devices];
    const running = new Set<Promise<void>>();
    const runOne = async (device: string): Promise<void> => {
      const previous = state.devices[device];
      const decision = options.decide(device);
      if (decision.kind === "done") return;
      if (decision.kind === "up-to-date" || decision.kind === "confirmed") {
        const result = decision.kind === "confirmed" ? "confirmed" : "up-to-date";
        const entry: DeviceRecord = { wave: wave.label, result, nonce: previous?.nonce ?? null, from: previous?.from ?? null, to: version, ms: previous?.ms ?? null, error: null, at: new Date().toISOString() };
        record(device, entry);
        emit({ kind: "outcome", device, record: entry });
        return;
      }
      const follow = decision.kind === "follow" ? decision.nonce : undefined;
      emit({ kind: "start", device, wave: wave.label, follow: follow !== undefined });
      const outcome = await options.update(device, follow, (nonce) =>
        record(device, { wave: wave.label, result: "in-flight", nonce, from: null, to: version, ms: null, error: null, at: new Date().toISOString() }),
      );
      const entry = recordOf(wave.label, outcome);
      record(device, entry);
      emit({ kind: "outcome", device, record: entry });
      if (isSuccess(entry.result)) return;
      failures++;
      if (wave.label === "canary") halt(`canary ${device} ${entry.result}${entry.error === null ? "" : `: ${entry.error.code}: ${entry.error.message}`}`);
      else if (thresholdExceeded(failures, options.threshold, total)) halt(`${failures} device${failures === 1 ? "" : "s"} failed, more than --max-failures allows`);
    };
    while (queue.length > 0 || running.size > 0) {
      while (halted === null && queue.length > 0 && running.size < options.concurrency) {
        const task: Promise<void> = runOne(queue.shift()!).finally(() => running.delete(task));
        running.add(task);
      }
      if (running.size === 0) break;
      await Promise.race(running);
    }
  }
  const planned = options.waves.flatMap((w) => w.devices);
  const ok = halted === null && planned.every((d) => state.devices[d] !== undefined && isSuccess(state.devices[d]!.result));
  if (halted === null && state.halted !== null) {
    state.halted = null;
    options.save(state);
  }
  return { halted, failures, ok };
}
