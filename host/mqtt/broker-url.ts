/**
 * `--broker`: which MQTT broker the technician's tools talk to. The same URL
 * forms mosquitto_sub and MQTT.js take (mqtt://, mqtts:// for TLS, ws:// and
 * wss:// through a proxy), with user and password in the URL when the
 * broker wants them.
 */
export const DEFAULT_BROKER = "mqtt://127.0.0.1:1883";

const DEFAULT_PORTS: Readonly<Record<string, number>> = { "mqtt:": 1883, "mqtts:": 8883, "ws:": 80, "wss:": 443 };

export interface BrokerAddress {
  /** As given, for connecting. */
  readonly url: string;
  /** Without the password, for messages. */
  readonly display: string;
  readonly host: string;
  readonly port: number;
}

/** Parses a broker URL; returns a sentence saying what is wrong instead when it is not one. */
export function parseBrokerAddress(text: string): BrokerAddress | string {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return `"${text}" is not a broker URL; write it as mqtt://HOST[:PORT] (mqtts:// for TLS)`;
  }
  const port = DEFAULT_PORTS[url.protocol];
  if (port === undefined) return `"${text}": the scheme must be mqtt://, mqtts://, ws:// or wss://, not ${url.protocol}//`;
  if (url.hostname === "") return `"${text}" names no host`;
  const display = url.password === "" ? text : text.replace(`:${url.password}@`, ":***@");
  return { url: text, display, host: url.hostname.replace(/^\[|\]$/g, ""), port: url.port === "" ? port : Number(url.port) };
}
