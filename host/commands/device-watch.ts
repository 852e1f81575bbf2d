/**
 * What the broker says about a set of devices (or every device under the
 * prefix): each one's retained presence (online/offline) and OTA report, and
 * the answers to commands as they arrive. One subscription serves a whole
 * rollout; listeners get every message as an event, already parsed.
 */
import type { CommandResult } from "../../firmware/commands/command-format";
import type { OtaReport } from "../../firmware/ota/ota-report";
import type { BrokerConnection, BrokerMessage } from "../mqtt/broker-connection";
import { parseOtaReport } from "../ota/ota-report-parse";
import { parseStatusMessage } from "./command-result";
import { deviceTopics, fleetTopicFilters, parseDeviceTopic } from "./topics";

export interface DeviceView {
  readonly id: string;
  /** undefined until the broker told us either way. */
  online: boolean | undefined;
  report: OtaReport | undefined;
  /** Date.now() of the last message about this device. */
  lastSeen: number;
}

export type DeviceEvent =
  | { readonly kind: "presence"; readonly device: string; readonly online: boolean; readonly retain: boolean }
  | { readonly kind: "report"; readonly device: string; readonly report: OtaReport; readonly retain: boolean }
  | { readonly kind: "result"; readonly device: string; readonly result: CommandResult };

export class DeviceWatch {
  readonly prefix: string;
  readonly #views = new Map<string, DeviceView>();
  readonly #listeners = new Set<(event: DeviceEvent) => void>();
  readonly #scope: ReadonlySet<string> | undefined;
  readonly #detach: () => void;

  private constructor(connection: BrokerConnection, prefix: string, scope: readonly string[] | "all") {
    this.prefix = prefix;
    this.#scope = scope === "all" ? undefined : new Set(scope);
    this.#detach = connection.onMessage((message) => this.#receive(message));
  }

  /** Subscribes; resolves once the broker acknowledged (retained state arrives right after). */
  static async start(connection: BrokerConnection, prefix: string, scope: readonly string[] | "all"): Promise<DeviceWatch> {
    const watch = new DeviceWatch(connection, prefix, scope);
    const filters =
      scope === "all"
        ? fleetTopicFilters(prefix)
        : scope.flatMap((id) => {
            const t = deviceTopics(prefix, id);
            return [t.status, t.otaStatus];
          });
    await connection.subscribe(filters);
    return watch;
  }

  get(id: string): DeviceView | undefined {
    return this.#views.get(id);
  }

  /** Every device heard of, sorted. */
  ids(): string[] {
    return [...this.#views.keys()].sort();
  }

  on(listener: (event: DeviceEvent) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  close(): void {
    this.#detach();
    this.#listeners.clear();
  }

  #view(id: string): DeviceView {
    let view = this.#views.get(id);
    if (view === undefined) {
      view = { id, online: undefined, report: undefined, lastSeen: Date.now() };
      this.#views.set(id, view);
    }
    view.lastSeen = Date.now();
    return view;
  }

  #receive(message: BrokerMessage): void {
    const where = parseDeviceTopic(this.prefix, message.topic);
    if (where === undefined || (this.#scope !== undefined && !this.#scope.has(where.device))) return;
    let event: DeviceEvent | undefined;
    if (where.kind === "ota-status") {
      const report = parseOtaReport(message.payload);
      if (report === undefined) return;
      this.#view(where.device).report = report;
      event = { kind: "report", device: where.device, report, retain: message.retain };
    } else {
      const status = parseStatusMessage(message.payload);
      if (status.kind === "other") return;
      if (status.kind === "presence") {
        this.#view(where.device).online = status.online;
        event = { kind: "presence", device: where.device, online: status.online, retain: message.retain };
      } else {
        // Answering a command proves the device is up, whatever a stale retained status says.
        this.#view(where.device).online = true;
        event = { kind: "result", device: where.device, result: status.result };
      }
    }
    for (const listener of [...this.#listeners]) listener(event);
  }
}
