/**
 * The device's MQTT session over the ECMA-419 MQTT client: connect with a
 * retained last will on the status topic, announce "online" (retained), send
 * the outbox in order with QoS 1 and a bounded number of messages in flight,
 * and when the connection fails or drops, reconnect after an exponential
 * backoff with jitter. Messages not acknowledged when a connection drops are
 * sent again (flagged DUP) on the next one, before anything newer. Incoming
 * messages on the subscribed topics (technician commands) are gathered
 * across fragments into one fixed buffer and handed over whole.
 */
import type { Clock, TimerId, TimerService } from "../host/timer";
import { MqttOperation, publishPacketLength, type MqttClientIO, type MqttControlMessage, type MqttProvider, type MqttReadableOptions } from "../net/mqtt";
import { encodeUtf8 } from "../core/utf8";
import { Outbox } from "./outbox";

export const STATUS_ONLINE = "online";
export const STATUS_OFFLINE = "offline";

export interface LinkOptions {
  provider: MqttProvider;
  host: string;
  port: number;
  clientId: string;
  user?: string;
  password?: string;
  /** Keep-alive, ms. */
  keepalive: number;
  /** Retained "online" on connect; "offline" as the will and on a clean stop. */
  statusTopic: string;
  /** First and longest reconnect delay, ms (before jitter). */
  reconnectMin: number;
  reconnectMax: number;
  /** No CONNACK after this long: give up on this attempt, ms. */
  connectTimeout: number;
  maxInflight: number;
  outboxMessages: number;
  outboxBytes: number;
  timer: TimerService;
  clock: Clock;
  log: (line: string) => void;
  /** Uniform in [0, 1): the jitter source. */
  random?: () => number;
  /** Topics subscribed (QoS 1) on every connection: the session is clean, so each CONNACK needs them again. */
  subscriptions?: readonly string[];
  /** A message on a subscribed topic; `complete` is false when it was longer than `maxIncoming` and was cut. */
  onMessage?: (topic: string, payload: Uint8Array, complete: boolean) => void;
  /** Largest incoming message kept, bytes (default 2048). */
  maxIncoming?: number;
}

export type LinkState = "idle" | "connecting" | "connected" | "waiting" | "stopped";

export interface LinkCounters {
  /** Connections that reached CONNACK. */
  connects: number;
  /** Attempts that failed or connections that dropped. */
  failures: number;
  /** Messages the broker acknowledged (QoS 1) or that were written (QoS 0). */
  delivered: number;
  /** Messages sent a second time or more after a reconnect. */
  resent: number;
}

export class MqttLink {
  readonly outbox: Outbox;
  readonly counters: LinkCounters = { connects: 0, failures: 0, delivered: 0, resent: 0 };
  readonly #o: LinkOptions;
  readonly #random: () => number;
  readonly #online = encodeUtf8(STATUS_ONLINE);
  readonly #offline = encodeUtf8(STATUS_OFFLINE);
  readonly #topicBytes = new Map<string, number>();
  #state: LinkState = "idle";
  #client: MqttClientIO | undefined;
  #writable = 0;
  #nextId = 0;
  #statusPending = false;
  #statusId = 0;
  #consecutiveFailures = 0;
  #timer: TimerId | undefined;
  #lastReason = "";
  #nextAttemptAt = -1;
  #subscribePending = false;
  #subscribeId = 0;
  readonly #incoming: Uint8Array;
  #incomingTopic = "";
  #incomingLength = 0;
  #incomingCut = false;

  constructor(options: LinkOptions) {
    this.#o = options;
    this.#random = options.random ?? Math.random;
    this.outbox = new Outbox(options.outboxMessages, options.outboxBytes);
    this.#incoming = new Uint8Array(options.maxIncoming ?? 2048);
  }

  get state(): LinkState {
    return this.#state;
  }

  /** Ticks of the next connection attempt while waiting, else −1. */
  get nextAttemptAt(): number {
    return this.#state === "waiting" ? this.#nextAttemptAt : -1;
  }

  get consecutiveFailures(): number {
    return this.#consecutiveFailures;
  }

  start(): void {
    if (this.#state !== "idle" && this.#state !== "stopped") return;
    this.#connect();
  }

  /** Queues a message; it is sent in order once connected. Returns how many older messages had to be dropped. */
  enqueue(topic: string, payload: Uint8Array, qos: 0 | 1 = 1, retain = false): number {
    const dropped = this.outbox.push(topic, payload, qos, retain);
    this.#flush();
    return dropped;
  }

  /** Sends at once if connected and there is room; never buffered (a snapshot that is worthless late). */
  publishNow(topic: string, payload: Uint8Array): boolean {
    const client = this.#client;
    if (this.#state !== "connected" || client === undefined) return false;
    if (publishPacketLength(this.#topicLength(topic), payload.length, 0) > this.#writable) return false;
    try {
      this.#writable = client.write(payload, { topic, QoS: 0 });
      return true;
    } catch (error) {
      this.#failed(`publish failed: ${describe(error)}`);
      return false;
    }
  }

  /**
   * Leaves: when connected and `graceful`, publishes "offline" (retained) and
   * sends DISCONNECT, so the broker does not publish the will.
   */
  stop(graceful = true): void {
    if (this.#timer !== undefined) this.#o.timer.clear(this.#timer);
    this.#timer = undefined;
    const client = this.#client;
    this.#client = undefined;
    if (client !== undefined) {
      if (graceful && this.#state === "connected") {
        try {
          client.write(this.#offline, { topic: this.#o.statusTopic, QoS: 0, retain: true });
          client.write(null, { operation: MqttOperation.DISCONNECT });
        } catch {
          // No room or already gone: the will says "offline" instead.
        }
      }
      try {
        client.close();
      } catch {
        // already closed
      }
    }
    this.#state = "stopped";
    this.outbox.resetInFlight();
  }

  #connect(): void {
    const o = this.#o;
    this.#state = "connecting";
    this.#writable = 0;
    this.outbox.resetInFlight();
    const link = this;
    try {
      this.#client = new o.provider.io({
        ...o.provider,
        host: o.host,
        port: o.port,
        id: o.clientId,
        clean: true,
        keepalive: o.keepalive,
        will: { topic: o.statusTopic, message: STATUS_OFFLINE, QoS: 1, retain: true },
        ...(o.user ? { user: o.user } : {}),
        ...(o.password ? { password: o.password } : {}),
        onControl(message: MqttControlMessage) {
          if (link.#client === this) link.#control(message);
        },
        onReadable(count: number, options: MqttReadableOptions) {
          if (link.#client === this) link.#readable(this, count, options);
        },
        onWritable(count: number) {
          if (link.#client !== this) return;
          link.#writable = count;
          link.#flush();
        },
        onError(error?: unknown) {
          if (link.#client === this) link.#failed(error === undefined ? "connection error" : describe(error));
        },
        onClose() {
          if (link.#client === this) link.#failed("connection closed");
        },
      });
    } catch (error) {
      this.#failed(`cannot connect: ${describe(error)}`);
      return;
    }
    this.#arm(o.connectTimeout, () => {
      if (this.#state === "connecting") this.#failed(`no CONNACK within ${o.connectTimeout} ms`);
    });
  }

  #control(message: MqttControlMessage): void {
    if (message.operation === MqttOperation.CONNACK) {
      if (this.#timer !== undefined) this.#o.timer.clear(this.#timer);
      this.#timer = undefined;
      this.#state = "connected";
      this.counters.connects++;
      const after = this.#consecutiveFailures;
      this.#consecutiveFailures = 0;
      this.#o.log(`mqtt: connected to ${this.#o.host}:${this.#o.port} as ${this.#o.clientId}${after > 0 ? ` after ${after} failed attempt${after === 1 ? "" : "s"}` : ""}; ${this.outbox.length} buffered`);
      this.#lastReason = "";
      this.#statusPending = true;
      this.#subscribePending = (this.#o.subscriptions?.length ?? 0) > 0;
      this.#flush();
    } else if (message.operation === MqttOperation.SUBACK) {
      if (message.id === this.#subscribeId) {
        this.#subscribeId = 0;
        const refused = (message.payload ?? []).some((code) => code === 0x80);
        if (refused) this.#o.log(`mqtt: the broker refused the subscription to ${this.#o.subscriptions!.join(", ")}`);
      }
    } else if (message.operation === MqttOperation.PUBACK) {
      const id = message.id ?? 0;
      if (id !== 0 && id === this.#statusId) {
        this.#statusId = 0;
        return;
      }
      if (id !== 0 && id === this.#subscribeId) return;
      if (!this.outbox.acknowledge(id)) return;
      this.counters.delivered++;
      this.#flush();
    }
  }

  #flush(): void {
    const client = this.#client;
    if (this.#state !== "connected" || client === undefined) return;
    try {
      if (this.#subscribePending) {
        const topics = this.#o.subscriptions!;
        let size = 4;
        for (const topic of topics) size += 3 + this.#topicLength(topic);
        if (size > this.#writable) return;
        this.#subscribeId = this.#packetId();
        this.#writable = client.write(null, { operation: MqttOperation.SUBSCRIBE, id: this.#subscribeId, items: topics.map((topic) => ({ topic, QoS: 1 })) });
        this.#subscribePending = false;
      }
      if (this.#statusPending) {
        const topic = this.#o.statusTopic;
        if (publishPacketLength(this.#topicLength(topic), this.#online.length, 1) > this.#writable) return;
        this.#statusId = this.#packetId();
        this.#writable = client.write(this.#online, { topic, QoS: 1, retain: true, id: this.#statusId });
        this.#statusPending = false;
      }
      const outbox = this.outbox;
      for (let i = 0; i < outbox.length && outbox.inFlightCount < this.#o.maxInflight; i++) {
        const message = outbox.at(i)!;
        if (message.id !== 0) continue; // in flight
        const size = publishPacketLength(this.#topicLength(message.topic), message.payload.length, message.qos);
        if (size > this.#writable) return; // onWritable resumes here
        const id = message.qos > 0 ? this.#packetId() : 0;
        this.#writable = client.write(message.payload, { topic: message.topic, QoS: message.qos, retain: message.retain, duplicate: message.attempts > 0, ...(id ? { id } : {}) });
        if (message.attempts > 0) this.counters.resent++;
        if (message.qos === 0) {
          outbox.remove(message);
          this.counters.delivered++;
          i--;
        } else {
          outbox.markSent(message, id);
        }
      }
    } catch (error) {
      this.#failed(`publish failed: ${describe(error)}`);
    }
  }

  #readable(client: MqttClientIO, count: number, options: MqttReadableOptions): void {
    if (options.topic !== undefined) {
      this.#incomingTopic = options.topic;
      this.#incomingLength = 0;
      this.#incomingCut = false;
    }
    const bytes = client.read(count);
    if (bytes !== undefined) {
      const chunk = new Uint8Array(bytes);
      const room = this.#incoming.length - this.#incomingLength;
      if (chunk.length > room) this.#incomingCut = true;
      this.#incoming.set(room < chunk.length ? chunk.subarray(0, room) : chunk, this.#incomingLength);
      this.#incomingLength += Math.min(room, chunk.length);
    }
    if (options.more) return;
    this.#o.onMessage?.(this.#incomingTopic, this.#incoming.subarray(0, this.#incomingLength), !this.#incomingCut);
  }

  #failed(reason: string): void {
    if (this.#state === "stopped") return;
    const client = this.#client;
    this.#client = undefined;
    try {
      client?.close();
    } catch {
      // already closed by its own error
    }
    const wasConnected = this.#state === "connected";
    this.counters.failures++;
    this.#consecutiveFailures++;
    this.outbox.resetInFlight();
    this.#statusPending = false;
    this.#statusId = 0;
    this.#subscribePending = false;
    this.#subscribeId = 0;
    const o = this.#o;
    const ceiling = Math.min(o.reconnectMax, o.reconnectMin * 2 ** Math.min(this.#consecutiveFailures - 1, 20));
    const delay = Math.round(ceiling / 2 + (ceiling / 2) * this.#random());
    this.#state = "waiting";
    this.#nextAttemptAt = o.clock.ticks() + delay;
    if (wasConnected || reason !== this.#lastReason) {
      o.log(`mqtt: ${wasConnected ? "connection lost" : "connection failed"} (${reason}); retrying in ${delay} ms, ${this.outbox.length} buffered`);
    }
    this.#lastReason = reason;
    this.#arm(delay, () => this.#connect());
  }

  #arm(delay: number, callback: () => void): void {
    const timer = this.#o.timer;
    if (this.#timer !== undefined) timer.clear(this.#timer);
    this.#timer = timer.set(() => {
      this.#timer = undefined;
      callback();
    }, delay);
  }

  #packetId(): number {
    for (;;) {
      this.#nextId = (this.#nextId % 65_535) + 1;
      if (this.#nextId !== this.#statusId && this.#nextId !== this.#subscribeId && !this.outbox.hasInFlight(this.#nextId)) return this.#nextId;
    }
  }

  #topicLength(topic: string): number {
    let length = this.#topicBytes.get(topic);
    if (length === undefined) {
      length = encodeUtf8(topic).length;
      this.#topicBytes.set(topic, length);
    }
    return length;
  }
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
