/**
 * The ECMA-419 MQTT client (`embedded:network/mqtt/client`) as Moddable
 * implements it (examples/io/tcp/mqttclient/mqttclient.js), written
 * structurally so that class on the device and the simulator's
 * (sim/net/mqtt-client.ts) both satisfy it. What the firmware relies on:
 *
 * - `new MQTTClient({ host, port, id, clean, keepalive (ms), will, user,
 *   password, onControl, onReadable, onWritable, onError, onClose, ... })`
 *   connects at once; the host's `dns` and `socket` settings are spread in
 *   from `device.network.mqtt`.
 * - `onControl(message)` reports CONNACK (`returnCode`), PUBACK (`id`),
 *   SUBACK, PINGRESP …; `onWritable(count)` follows CONNACK and every time
 *   the socket has room again; `onError()` reports a refused connection, a
 *   socket error or a keepalive timeout, after which the client is closed.
 * - `write(payload, { topic, QoS, retain, id })` publishes and returns how
 *   many more bytes fit; it throws when not connected or when the message
 *   does not fit ("overflow"). `write(null, { operation: DISCONNECT })` sends
 *   a DISCONNECT. Packet ids are the caller's to choose (1–65535).
 * - `close()` closes the socket without a DISCONNECT: the broker then
 *   publishes the client's last will.
 */
export const MqttOperation = {
  CONNECT: 1,
  CONNACK: 2,
  PUBLISH: 3,
  PUBACK: 4,
  PUBREC: 5,
  PUBREL: 6,
  PUBCOMP: 7,
  SUBSCRIBE: 8,
  SUBACK: 9,
  UNSUBSCRIBE: 10,
  UNSUBACK: 11,
  PINGREQ: 12,
  PINGRESP: 13,
  DISCONNECT: 14,
} as const;

/** Bytes Moddable's client keeps back from what `write()` and `onWritable` report. */
export const MQTT_WRITE_OVERHEAD = 8;

export interface MqttControlMessage {
  operation: number;
  id?: number;
  returnCode?: number;
  payload?: number[];
}

export interface MqttWill {
  topic: string;
  message: string | ArrayBuffer;
  QoS?: number;
  retain?: boolean;
}

export interface MqttReadableOptions {
  topic?: string;
  QoS?: number;
  byteLength?: number;
  more: boolean;
}

export interface MqttClientOptions {
  host: string;
  port?: number;
  id?: string;
  clean?: boolean;
  /** Keep-alive interval, ms (0: none). */
  keepalive?: number;
  will?: MqttWill;
  user?: string;
  password?: string;
  onControl?: (this: MqttClientIO, message: MqttControlMessage) => void;
  onReadable?: (this: MqttClientIO, count: number, options: MqttReadableOptions) => void;
  onWritable?: (this: MqttClientIO, count: number) => void;
  onError?: (this: MqttClientIO, error?: unknown) => void;
  onClose?: (this: MqttClientIO) => void;
  /** Host-specific settings (dns, socket) pass through. */
  [key: string]: unknown;
}

export interface MqttWriteOptions {
  operation?: number;
  topic?: string;
  QoS?: number;
  retain?: boolean;
  duplicate?: boolean;
  id?: number;
  byteLength?: number;
  items?: Array<{ topic: string; QoS?: number }>;
}

export interface MqttClientIO {
  write(data: Uint8Array | ArrayBuffer | null, options?: MqttWriteOptions): number;
  read(count?: number): ArrayBuffer | undefined;
  close(): void;
}

export interface MqttClientConstructor {
  new (options: MqttClientOptions): MqttClientIO;
}

/** `device.network.mqtt`: the client class and host defaults spread into its options. */
export interface MqttProvider {
  readonly io: MqttClientConstructor;
  /** The broker a host offers by default (the simulator's embedded one). */
  readonly host?: string;
  readonly port?: number;
  readonly [key: string]: unknown;
}

/** Bytes of a PUBLISH packet: fixed header, topic, packet id (QoS > 0), payload. */
export function publishPacketLength(topicBytes: number, payloadBytes: number, qos: number): number {
  const remaining = 2 + topicBytes + (qos > 0 ? 2 : 0) + payloadBytes;
  const lengthBytes = remaining < 128 ? 1 : remaining < 16_384 ? 2 : remaining < 2_097_152 ? 3 : 4;
  return 1 + lengthBytes + remaining;
}
