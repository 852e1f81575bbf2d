/**
 * The "telemetry" settings section: broker, topics, intervals, buffering.
 * An empty broker uses the host's default (the simulator's embedded broker);
 * an empty device id uses the host's (the MAC on ESP32, --id in the simulator).
 */
import { SettingsError, type SettingsSection } from "../config/settings";
import { booleanField, choiceField, numberField, onlyKeys, record, stringField } from "../sensors/validate";

export interface TelemetrySettings {
  enabled: boolean;
  /** mqtt://host[:port], or "" for the host's default broker. */
  broker: string;
  user: string;
  password: string;
  /** Topics are <prefix>/<deviceId>/telemetry, /status and /health. */
  prefix: string;
  deviceId: string;
  /** ms */
  interval: number;
  minChangeInterval: number;
  healthInterval: number;
  /** s, as MQTT counts it. */
  keepalive: number;
  qos: 0 | 1;
  /** Offline buffer: at most this many messages and bytes. */
  bufferMessages: number;
  bufferBytes: number;
  maxInflight: number;
  /** Reconnect backoff, ms: first delay and ceiling (each attempt waits between half and all of it). */
  reconnectMin: number;
  reconnectMax: number;
}

export const TELEMETRY_DEFAULTS: TelemetrySettings = {
  enabled: true,
  broker: "",
  user: "",
  password: "",
  prefix: "fieldnode",
  deviceId: "",
  interval: 10_000,
  minChangeInterval: 1_000,
  healthInterval: 60_000,
  keepalive: 60,
  qos: 1,
  bufferMessages: 500,
  bufferBytes: 256 * 1024,
  maxInflight: 8,
  reconnectMin: 1_000,
  reconnectMax: 60_000,
};

const TOPIC_LEVELS = /^[A-Za-z0-9._-]+(\/[A-Za-z0-9._-]+)*$/;
const DEVICE_ID = /^([A-Za-z0-9._-]{1,64})?$/;

export function parseBroker(url: string): { host: string; port: number } | undefined {
  if (url === "") return undefined;
  const match = /^mqtt:\/\/(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9.-]+)(?::(\d{1,5}))?\/?$/.exec(url);
  if (match === null) return undefined;
  const port = match[2] === undefined ? 1883 : Number(match[2]);
  if (port < 1 || port > 65_535) return undefined;
  return { host: match[1]!.replace(/^\[|\]$/g, ""), port };
}

export const telemetrySection: SettingsSection<TelemetrySettings> = {
  name: "telemetry",
  defaults: TELEMETRY_DEFAULTS,
  validate(value: unknown): TelemetrySettings {
    const path = "telemetry";
    const v = record(value, path);
    const d = TELEMETRY_DEFAULTS;
    onlyKeys(v, Object.keys(d), path);
    const broker = stringField(v, "broker", d.broker, path);
    if (broker !== "" && parseBroker(broker) === undefined) throw new SettingsError(`${path}.broker: "${broker}" is not mqtt://host[:port]`);
    const result: TelemetrySettings = {
      enabled: booleanField(v, "enabled", d.enabled, path),
      broker,
      user: stringField(v, "user", d.user, path),
      password: stringField(v, "password", d.password, path),
      prefix: stringField(v, "prefix", d.prefix, path, TOPIC_LEVELS, "is not a topic prefix (letters, digits, . _ - and / between levels; no wildcards)"),
      deviceId: stringField(v, "deviceId", d.deviceId, path, DEVICE_ID, "is not a device id (1-64 letters, digits, . _ -)"),
      interval: numberField(v, "interval", d.interval, path, { min: 100, max: 86_400_000, integer: true }),
      minChangeInterval: numberField(v, "minChangeInterval", d.minChangeInterval, path, { min: 0, max: 3_600_000, integer: true }),
      healthInterval: numberField(v, "healthInterval", d.healthInterval, path, { min: 0, max: 86_400_000, integer: true }),
      keepalive: numberField(v, "keepalive", d.keepalive, path, { min: 0, max: 65_535, integer: true }),
      qos: choiceField(v, "qos", d.qos, [0, 1], path),
      bufferMessages: numberField(v, "bufferMessages", d.bufferMessages, path, { min: 1, max: 10_000, integer: true }),
      bufferBytes: numberField(v, "bufferBytes", d.bufferBytes, path, { min: 1024, max: 4 * 1024 * 1024, integer: true }),
      maxInflight: numberField(v, "maxInflight", d.maxInflight, path, { min: 1, max: 64, integer: true }),
      reconnectMin: numberField(v, "reconnectMin", d.reconnectMin, path, { min: 10, max: 3_600_000, integer: true }),
      reconnectMax: numberField(v, "reconnectMax", d.reconnectMax, path, { min: 10, max: 3_600_000, integer: true }),
    };
    if (result.healthInterval > 0 && result.healthInterval < 1000) throw new SettingsError(`${path}.healthInterval: ${result.healthInterval} is below 1000 (or 0 for none)`);
    if (result.reconnectMax < result.reconnectMin) throw new SettingsError(`${path}.reconnectMax: ${result.reconnectMax} is below reconnectMin ${result.reconnectMin}`);
    return result;
  },
};
