/**
 * Wires telemetry from the settings, the host's MQTT client and the sampling
 * loop. Without an MQTT client, a broker or with telemetry disabled, the
 * device runs on and says why it does not publish.
 */
import type { Clock, TimerService } from "../host/timer";
import type { MqttProvider } from "../net/mqtt";
import type { SamplingLoop } from "../sensors/sampling-loop";
import { MqttLink } from "./link";
import { TelemetryPublisher } from "./publisher";
import { parseBroker, type TelemetrySettings } from "./settings";

export interface TelemetryParts {
  timer: TimerService;
  clock: Clock;
  log: (line: string) => void;
  /** `device.network.mqtt`, absent on a host without MQTT. */
  mqtt: MqttProvider | undefined;
  /** The host's device id (used unless the settings name one). */
  deviceId: string;
  firmware: string;
  random?: () => number;
  wallClock?: () => number;
  /** Messages arriving on the device's command topic (`<prefix>/<id>/cmd`); the payload view is only valid during the call. */
  onCommand?: (payload: Uint8Array, complete: boolean) => void;
}

export interface Telemetry {
  readonly link: MqttLink;
  readonly publisher: TelemetryPublisher;
  readonly deviceId: string;
  readonly broker: { host: string; port: number };
  readonly topics: { telemetry: string; status: string; health: string; command: string; ota: string };
  /** Stops publishing; `graceful` leaves with "offline" and DISCONNECT instead of the will. */
  stop(graceful?: boolean): void;
}

export function startTelemetry(parts: TelemetryParts, settings: TelemetrySettings, loop: SamplingLoop): Telemetry | undefined {
  const { log } = parts;
  if (!settings.enabled) {
    log("telemetry: disabled in settings");
    return undefined;
  }
  const provider = parts.mqtt;
  if (provider === undefined) {
    log("telemetry: this host has no MQTT client; not publishing");
    return undefined;
  }
  const broker = parseBroker(settings.broker) ?? (provider.host ? { host: provider.host, port: provider.port ?? 1883 } : undefined);
  if (broker === undefined) {
    log("telemetry: no broker configured (settings telemetry.broker); not publishing");
    return undefined;
  }
  const deviceId = settings.deviceId || parts.deviceId;
  const base = `${settings.prefix}/${deviceId}`;
  const topics = { telemetry: `${base}/telemetry`, status: `${base}/status`, health: `${base}/health`, command: `${base}/cmd`, ota: `${base}/ota/status` };
  const onCommand = parts.onCommand;
  const link = new MqttLink({
    provider,
    host: broker.host,
    port: broker.port,
    clientId: deviceId,
    user: settings.user,
    password: settings.password,
    keepalive: settings.keepalive * 1000,
    statusTopic: topics.status,
    reconnectMin: settings.reconnectMin,
    reconnectMax: settings.reconnectMax,
    connectTimeout: 15_000,
    maxInflight: settings.maxInflight,
    outboxMessages: settings.bufferMessages,
    outboxBytes: settings.bufferBytes,
    timer: parts.timer,
    clock: parts.clock,
    log,
    ...(parts.random ? { random: parts.random } : {}),
    ...(onCommand
      ? {
          subscriptions: [topics.command],
          onMessage: (topic: string, payload: Uint8Array, complete: boolean) => {
            if (topic === topics.command) onCommand(payload, complete);
          },
        }
      : {}),
  });
  const publisher = new TelemetryPublisher({
    loop,
    link,
    timer: parts.timer,
    clock: parts.clock,
    deviceId,
    firmware: parts.firmware,
    telemetryTopic: topics.telemetry,
    healthTopic: topics.health,
    interval: settings.interval,
    minChangeInterval: settings.minChangeInterval,
    healthInterval: settings.healthInterval,
    qos: settings.qos,
    ...(parts.wallClock ? { wallClock: parts.wallClock } : {}),
  });
  log(`telemetry: ${topics.telemetry} every ${settings.interval / 1000} s via mqtt://${broker.host}:${broker.port}`);
  link.start();
  publisher.start();
  return {
    link,
    publisher,
    deviceId,
    broker,
    topics,
    stop(graceful = true) {
      publisher.stop();
      link.stop(graceful);
    },
  };
}
