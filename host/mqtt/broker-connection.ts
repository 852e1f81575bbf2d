/**
 * The technician tools' one connection to the MQTT broker (MQTT.js). It hides
 * the client behind the few operations the tools need, and turns every way a
 * connection can fail to start into a BrokerUnreachableError whose message
 * names the broker and says what to check. Once connected, MQTT.js reconnects
 * by itself and subscribes again, so a broker restart during a long rollout
 * costs a gap in reports, not the rollout.
 */
import mqtt, { type IClientOptions, type MqttClient } from "mqtt";
import type { BrokerAddress } from "./broker-url";

export interface BrokerMessage {
  readonly topic: string;
  readonly payload: string;
  /** Delivered because it was retained (the state before we subscribed), not published just now. */
  readonly retain: boolean;
}

export interface BrokerConnection {
  readonly broker: BrokerAddress;
  /** Resolves once the broker acknowledged the subscription (retained messages follow it). */
  subscribe(topics: readonly string[]): Promise<void>;
  /** QoS 1, not retained: resolves when the broker has acknowledged it. */
  publish(topic: string, payload: string): Promise<void>;
  onMessage(listener: (message: BrokerMessage) => void): () => void;
  close(): Promise<void>;
}

/** The broker could not be reached or refused us: exit 3 territory. */
export class BrokerUnreachableError extends Error {
  override name = "BrokerUnreachableError";
}

export interface ConnectOptions {
  /** How long connecting may take before it counts as unreachable. */
  readonly timeoutMs?: number;
  readonly clientId?: string;
}

/** What to tell a technician for a connection that failed with `error`. */
export function describeConnectError(broker: BrokerAddress, error: unknown, timeoutMs: number): string {
  const where = `the MQTT broker at ${broker.display}`;
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  const message = error instanceof Error ? error.message : String(error);
  if (code === "ECONNREFUSED") return `cannot reach ${where}: connection refused; check that the broker runs and listens on ${broker.host}:${broker.port} (--broker mqtt://HOST:PORT)`;
  if (code === "ENOTFOUND" || code === "EAI_AGAIN") return `cannot reach ${where}: host name ${broker.host} not found; check the --broker host name or use its IP address`;
  if (code === "EHOSTUNREACH" || code === "ENETUNREACH") return `cannot reach ${where}: no route to ${broker.host}; check the network between this machine and the broker`;
  if (code === "ETIMEDOUT" || message === "timeout") {
    return `cannot reach ${where}: no answer within ${Math.round(timeoutMs / 1000)} s; check the address and port, a firewall, and whether the broker wants TLS (mqtts://)`;
  }
  if (/Not authorized|Bad username or password|bad user name/i.test(message)) {
    return `${where} refused the connection: ${message}; check the user name and password (mqtt://USER:PASSWORD@HOST:PORT)`;
  }
  return `cannot reach ${where}: ${message}`;
}

export function connectBroker(broker: BrokerAddress, options: ConnectOptions = {}): Promise<BrokerConnection> {
  const timeoutMs = options.timeoutMs ?? 10_000;
  const clientOptions: IClientOptions = {
    clientId: options.clientId ?? `fieldnode-cli-${process.pid}-${Math.random().toString(16).slice(2, 10)}`,
    clean: true,
    connectTimeout: timeoutMs,
    reconnectPeriod: 1000,
    protocolVersion: 4,
  };
  const client: MqttClient = mqtt.connect(broker.url, clientOptions);
  return new Promise<BrokerConnection>((resolve, reject) => {
    let settled = false;
    const timer = setTimeout(() => fail(Object.assign(new Error("timeout"), { code: "ETIMEDOUT" })), timeoutMs);
    function fail(error: unknown): void {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      // Before the first connection, retrying is not ours to do: the technician gets the reason now.
      client.end(true);
      reject(new BrokerUnreachableError(describeConnectError(broker, error, timeoutMs)));
    }
    client.once("error", fail);
    // A broker that closes the socket without CONNACK (wrong protocol, TLS mismatch) surfaces as a close, or a reconnect.
    client.once("close", () => fail(new Error("the connection closed before the broker accepted it")));
    client.once("connect", () => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      client.removeAllListeners("error");
      client.removeAllListeners("close");
      // Later errors (a dropped connection) are MQTT.js's to recover from by reconnecting.
      client.on("error", () => {});
      resolve(wrap(broker, client));
    });
  });
}

function wrap(broker: BrokerAddress, client: MqttClient): BrokerConnection {
  const listeners = new Set<(message: BrokerMessage) => void>();
  client.on("message", (topic, payload, packet) => {
    const message: BrokerMessage = { topic, payload: payload.toString("utf8"), retain: packet.retain };
    for (const listener of [...listeners]) listener(message);
  });
  return {
    broker,
    async subscribe(topics) {
      await client.subscribeAsync([...topics], { qos: 1 });
    },
    async publish(topic, payload) {
      await client.publishAsync(topic, payload, { qos: 1, retain: false });
    },
    onMessage(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    async close() {
      await client.endAsync();
    },
  };
}
