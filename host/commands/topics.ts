/**
 * Where a device's conversation with the tools lives on the broker:
 * `<prefix>/<id>/cmd` (signed commands in), `/status` (retained
 * online/offline, and the answer to each command), `/ota/status` (retained
 * OtaReport). The prefix is the device's telemetry.prefix setting.
 */
export const DEFAULT_PREFIX = "fieldnode";

export interface DeviceTopics {
  readonly cmd: string;
  readonly status: string;
  readonly otaStatus: string;
}

export function deviceTopics(prefix: string, device: string): DeviceTopics {
  const base = `${prefix}/${device}`;
  return { cmd: `${base}/cmd`, status: `${base}/status`, otaStatus: `${base}/ota/status` };
}

/** Topic filters for the status and OTA status of every device under `prefix`. */
export function fleetTopicFilters(prefix: string): readonly string[] {
  return [`${prefix}/+/status`, `${prefix}/+/ota/status`];
}

export type TopicKind = "status" | "ota-status";

/** Which device and which of its topics `topic` is, or undefined for any other topic. */
export function parseDeviceTopic(prefix: string, topic: string): { device: string; kind: TopicKind } | undefined {
  if (!topic.startsWith(`${prefix}/`)) return undefined;
  const rest = topic.slice(prefix.length + 1).split("/");
  if (rest.length === 2 && rest[1] === "status" && rest[0] !== "") return { device: rest[0]!, kind: "status" };
  if (rest.length === 3 && rest[1] === "ota" && rest[2] === "status" && rest[0] !== "") return { device: rest[0]!, kind: "ota-status" };
  return undefined;
}

/** A device id or prefix cannot hold MQTT wildcards, and an id is one topic level. */
export function checkDeviceId(id: string): string | undefined {
  if (id === "") return "a device id cannot be empty";
  if (/[+#/\s]/.test(id)) return `device id "${id}" holds a character a topic level cannot (+ # / or a space)`;
  return undefined;
}

export function checkPrefix(prefix: string): string | undefined {
  if (!/^[A-Za-z0-9._-]+(\/[A-Za-z0-9._-]+)*$/.test(prefix)) return `--prefix "${prefix}" is not a topic prefix (letters, digits, . _ - and / between levels; no wildcards)`;
  return undefined;
}
