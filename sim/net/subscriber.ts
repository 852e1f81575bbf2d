/**
 * A small MQTT 3.1.1 subscriber over node:net and mqtt-packet: the project's
 * own `mosquitto_sub`, for tests and for `npm start --watch`. QoS 1
 * subscriptions are acknowledged; retained messages are flagged.
 */
import * as net from "node:net";
import mqtt from "mqtt-packet";

export interface ReceivedMessage {
  topic: string;
  payload: string;
  qos: number;
  retain: boolean;
  /** Date.now() on arrival. */
  at: number;
}

export interface Subscriber {
  readonly messages: ReceivedMessage[];
  /** Resolves with the first message (from now on, or already received when `fromStart`) that matches. */
  next(match: (message: ReceivedMessage) => boolean, timeoutMs?: number, fromStart?: boolean): Promise<ReceivedMessage>;
  onMessage(listener: (message: ReceivedMessage) => void): void;
  close(): Promise<void>;
}

export interface SubscriberOptions {
  host: string;
  port: number;
  topics: string[];
  clientId?: string;
  qos?: 0 | 1;
}

export function subscribe(options: SubscriberOptions): Promise<Subscriber> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host: options.host, port: options.port });
    const parser = mqtt.parser({ protocolVersion: 4 });
    const messages: ReceivedMessage[] = [];
    const listeners = new Set<(message: ReceivedMessage) => void>();
    let ready = false;
    const fail = (error: Error) => {
      if (!ready) reject(error);
    };
    socket.on("error", fail);
    socket.on("connect", () => {
      socket.write(mqtt.generate({ cmd: "connect", protocolId: "MQTT", protocolVersion: 4, clean: true, clientId: options.clientId ?? `fieldnode-sub-${process.pid}-${Math.random().toString(16).slice(2, 8)}`, keepalive: 60 }));
    });
    socket.on("data", (chunk) => parser.parse(chunk));
    parser.on("packet", (packet) => {
      if (packet.cmd === "connack") {
        if (packet.returnCode !== 0) return fail(new Error(`broker refused the subscriber: return code ${packet.returnCode}`));
        socket.write(mqtt.generate({ cmd: "subscribe", messageId: 1, subscriptions: options.topics.map((topic) => ({ topic, qos: options.qos ?? 1 })) }));
      } else if (packet.cmd === "suback") {
        ready = true;
        resolve(subscriber);
      } else if (packet.cmd === "publish") {
        if (packet.qos === 1 && packet.messageId !== undefined) socket.write(mqtt.generate({ cmd: "puback", messageId: packet.messageId }));
        const message: ReceivedMessage = { topic: packet.topic, payload: packet.payload.toString(), qos: packet.qos, retain: packet.retain, at: Date.now() };
        messages.push(message);
        for (const listener of listeners) listener(message);
      }
    });
    const subscriber: Subscriber = {
      messages,
      onMessage: (listener) => void listeners.add(listener),
      next(match, timeoutMs = 10_000, fromStart = false) {
        if (fromStart) {
          const found = messages.find(match);
          if (found) return Promise.resolve(found);
        }
        return new Promise((res, rej) => {
          const timer = setTimeout(() => {
            listeners.delete(listener);
            rej(new Error(`no matching MQTT message within ${timeoutMs} ms (received ${messages.length}: ${messages.slice(-3).map((m) => `${m.topic} ${m.payload.slice(0, 80)}`).join(" | ")})`));
          }, timeoutMs);
          const listener = (message: ReceivedMessage) => {
            if (!match(message)) return;
            clearTimeout(timer);
            listeners.delete(listener);
            res(message);
          };
          listeners.add(listener);
        });
      },
      close() {
        return new Promise((res) => {
          if (socket.destroyed) return res();
          socket.once("close", () => res());
          socket.end(mqtt.generate({ cmd: "disconnect" }));
          setTimeout(() => socket.destroy(), 500).unref();
        });
      },
    };
  });
}
