/**
 * The ECMA-419 MQTT client (`embedded:network/mqtt/client`) for the
 * simulator: MQTT 3.1.1 over a real TCP socket (node:net), packets encoded
 * and parsed by mqtt-packet, with the behaviour of Moddable's implementation
 * (examples/io/tcp/mqttclient/mqttclient.js) that the firmware depends on:
 *
 * - CONNECT on connection, with clean session, keep-alive and will; a
 *   connection not established within 30 s is an error;
 * - onControl for CONNACK / PUBACK / SUBACK / UNSUBACK / PINGRESP, onWritable
 *   after CONNACK and whenever the send buffer drains, onReadable for an
 *   incoming PUBLISH (QoS 1 acknowledged automatically);
 * - write() throws when not connected and "overflow" when the packet does not
 *   fit in the send buffer (lwIP's TCP_SND_BUF: 5744 bytes), and returns the
 *   room left less 8 bytes;
 * - keep-alive: PINGREQ after 3/4 of the interval without sending, error
 *   "time out" after 1.5 intervals without hearing from the broker;
 * - any error calls onError once and closes the client; close() sends no
 *   DISCONNECT (the caller writes one first when it means to leave cleanly).
 *
 * Timers run on the simulator clock and callbacks inside the device's power
 * domain: a power cut destroys the socket at once, without a DISCONNECT, so
 * the broker publishes the will.
 */
import * as net from "node:net";
import mqtt from "mqtt-packet";
import {
  MQTT_WRITE_OVERHEAD,
  MqttOperation,
  type MqttClientConstructor,
  type MqttClientIO,
  type MqttClientOptions,
  type MqttWriteOptions,
} from "../../firmware/net/mqtt";
import type { ScheduledEvent, SimClock } from "../clock/sim-clock";
import type { PowerDomain } from "../device/power-domain";

export interface SimMqttOptions {
  /** Send buffer, bytes (lwIP TCP_SND_BUF in Moddable's ESP32 builds). */
  sendBuffer?: number;
  /** Time allowed for the TCP connection, ms. */
  connectTimeout?: number;
}

type State = "connecting" | "login" | "connected" | "closed";

export function createMqttClientClass(domain: PowerDomain, clock: SimClock, settings: SimMqttOptions = {}): MqttClientConstructor {
  const sendBuffer = settings.sendBuffer ?? 5744;
  const connectTimeout = settings.connectTimeout ?? 30_000;

  class MQTTClient implements MqttClientIO {
    static readonly CONNECT = MqttOperation.CONNECT;
    static readonly CONNACK = MqttOperation.CONNACK;
    static readonly PUBLISH = MqttOperation.PUBLISH;
    static readonly PUBACK = MqttOperation.PUBACK;
    static readonly PUBREC = MqttOperation.PUBREC;
    static readonly PUBREL = MqttOperation.PUBREL;
    static readonly PUBCOMP = MqttOperation.PUBCOMP;
    static readonly SUBSCRIBE = MqttOperation.SUBSCRIBE;
    static readonly SUBACK = MqttOperation.SUBACK;
    static readonly UNSUBSCRIBE = MqttOperation.UNSUBSCRIBE;
    static readonly UNSUBACK = MqttOperation.UNSUBACK;
    static readonly PINGREQ = MqttOperation.PINGREQ;
    static readonly PINGRESP = MqttOperation.PINGRESP;
    static readonly DISCONNECT = MqttOperation.DISCONNECT;

    readonly #options: MqttClientOptions;
    readonly #socket: net.Socket;
    readonly #parser = mqtt.parser({ protocolVersion: 4 });
    #state: State = "connecting";
    #writable = 0;
    #id = 0;
    #timers: ScheduledEvent[] = [];
    #keepalive = 0;
    #lastRead = 0;
    #lastWrite = 0;
    #payload: Buffer | undefined;
    #payloadOffset = 0;
    #writableQueued = false;

    constructor(options: MqttClientOptions) {
      if (!options.host) throw new Error("host required");
      this.#options = options;
      this.#keepalive = options.keepalive ?? 0;
      domain.own(this);
      this.#parser.on("packet", (packet) => this.#packet(packet));
      this.#parser.on("error", (error) => this.#fail(`bad data: ${error.message}`));
      const socket = net.connect({ host: options.host, port: options.port ?? 1883 });
      socket.setNoDelay(true);
      this.#socket = socket;
      socket.on("connect", () => this.#connected());
      socket.on("data", (chunk) => {
        if (this.#state === "closed") return;
        this.#lastRead = clock.now();
        this.#parser.parse(chunk);
      });
      socket.on("error", (error) => this.#fail(error.message));
      socket.on("close", () => this.#fail("connection closed"));
      this.#after(connectTimeout, () => {
        if (this.#state === "connecting") this.#fail("connect timed out");
      });
    }

    get format(): "buffer" {
      return "buffer";
    }

    write(data: Uint8Array | ArrayBuffer | null, options: MqttWriteOptions = {}): number {
      if (this.#state !== "connected") throw new Error("not connected");
      const operation = options.operation ?? MqttOperation.PUBLISH;
      let packet: mqtt.Packet;
      switch (operation) {
        case MqttOperation.PUBLISH: {
          if (data === null) throw new Error("invalid");
          const payload = Buffer.from(data instanceof ArrayBuffer ? new Uint8Array(data) : data);
          const qos = (options.QoS ?? 0) as 0 | 1 | 2;
          packet = {
            cmd: "publish",
            topic: options.topic ?? "",
            payload,
            qos,
            retain: options.retain === true,
            dup: options.duplicate === true,
            ...(qos > 0 ? { messageId: options.id ?? this.#nextId() } : {}),
          };
          break;
        }
        case MqttOperation.SUBSCRIBE:
          packet = {
            cmd: "subscribe",
            messageId: options.id ?? this.#nextId(),
            subscriptions: (options.items ?? []).map((i) => ({ topic: i.topic, qos: (i.QoS ?? 0) as 0 | 1 | 2 })),
          };
          break;
        case MqttOperation.UNSUBSCRIBE:
          packet = { cmd: "unsubscribe", messageId: options.id ?? this.#nextId(), unsubscriptions: (options.items ?? []).map((i) => i.topic) };
          break;
        case MqttOperation.PUBACK:
          packet = { cmd: "puback", messageId: options.id ?? 0 };
          break;
        case MqttOperation.PINGREQ:
          packet = { cmd: "pingreq" };
          break;
        case MqttOperation.DISCONNECT:
          packet = { cmd: "disconnect" };
          break;
        default:
          throw new Error("unknown");
      }
      return this.#send(mqtt.generate(packet));
    }

    read(count?: number): ArrayBuffer | undefined {
      const payload = this.#payload;
      if (payload === undefined) return undefined;
      const available = payload.length - this.#payloadOffset;
      const n = Math.min(count ?? available, available);
      if (n <= 0) return undefined;
      const out = new Uint8Array(n);
      out.set(payload.subarray(this.#payloadOffset, this.#payloadOffset + n));
      this.#payloadOffset += n;
      if (this.#payloadOffset >= payload.length) this.#payload = undefined;
      return out.buffer;
    }

    close(): void {
      if (this.#state === "closed") return;
      this.#shutdown();
      const socket = this.#socket;
      socket.end();
      setTimeout(() => socket.destroy(), 1_000).unref();
      domain.disown(this);
    }

    /** Power domain teardown: power is gone, the socket just dies (no FIN handshake, no DISCONNECT). */
    release(): void {
      if (this.#state === "closed") return;
      this.#shutdown();
      this.#socket.resetAndDestroy();
    }

    #shutdown(): void {
      this.#state = "closed";
      for (const timer of this.#timers) clock.cancel(timer);
      this.#timers = [];
      this.#parser.removeAllListeners("packet");
    }

    #connected(): void {
      if (this.#state !== "connecting") return;
      const o = this.#options;
      const will = o.will;
      const packet: mqtt.IConnectPacket = {
        cmd: "connect",
        protocolId: "MQTT",
        protocolVersion: 4,
        clean: o.clean ?? true,
        clientId: o.id ?? "",
        keepalive: Math.ceil(this.#keepalive / 1000),
        ...(o.user !== undefined ? { username: o.user } : {}),
        ...(o.password !== undefined ? { password: Buffer.from(o.password) } : {}),
        ...(will !== undefined
          ? {
              will: {
                topic: will.topic,
                payload: Buffer.from(typeof will.message === "string" ? will.message : new Uint8Array(will.message)),
                qos: (will.QoS ?? 0) as 0 | 1 | 2,
                retain: will.retain === true,
              },
            }
          : {}),
      };
      this.#state = "login";
      this.#writable = sendBuffer;
      this.#send(mqtt.generate(packet));
      this.#lastRead = clock.now();
      if (this.#keepalive > 0) this.#every(Math.ceil(this.#keepalive / 4), () => this.#keepaliveCheck());
    }

    #packet(packet: mqtt.Packet): void {
      switch (packet.cmd) {
        case "connack":
          if (packet.returnCode !== 0) return this.#fail("connection rejected");
          this.#state = "connected";
          this.#callback("onControl", { operation: MqttOperation.CONNACK, returnCode: 0, id: 0 });
          this.#notifyWritable();
          return;
        case "puback":
          return this.#callback("onControl", { operation: MqttOperation.PUBACK, id: packet.messageId ?? 0 });
        case "suback":
          return this.#callback("onControl", { operation: MqttOperation.SUBACK, id: packet.messageId, payload: packet.granted.map(Number) });
        case "unsuback":
          return this.#callback("onControl", { operation: MqttOperation.UNSUBACK, id: packet.messageId ?? 0 });
        case "pingresp":
          return this.#callback("onControl", { operation: MqttOperation.PINGRESP, id: 0 });
        case "publish": {
          const payload = Buffer.isBuffer(packet.payload) ? packet.payload : Buffer.from(packet.payload);
          this.#payload = payload;
          this.#payloadOffset = 0;
          if (packet.qos === 1 && packet.messageId !== undefined) this.#send(mqtt.generate({ cmd: "puback", messageId: packet.messageId }));
          const onReadable = this.#options.onReadable;
          if (onReadable) {
            domain.run(() => onReadable.call(this, payload.length, { topic: packet.topic, QoS: packet.qos, byteLength: payload.length, more: false }));
          }
          return;
        }
        default:
          return;
      }
    }

    #send(frame: Buffer): number {
      if (frame.length > this.#writable) throw new Error("overflow");
      this.#writable -= frame.length;
      this.#lastWrite = clock.now();
      this.#socket.write(frame, () => {
        if (this.#state === "closed") return;
        this.#writable += frame.length;
        this.#notifyWritable();
      });
      return Math.max(0, this.#writable - MQTT_WRITE_OVERHEAD);
    }

    /** onWritable once per turn of the event loop, like a socket's onWritable. */
    #notifyWritable(): void {
      if (this.#writableQueued || this.#state !== "connected") return;
      this.#writableQueued = true;
      setImmediate(() => {
        this.#writableQueued = false;
        if (this.#state !== "connected" || this.#writable <= MQTT_WRITE_OVERHEAD) return;
        const onWritable = this.#options.onWritable;
        if (onWritable) domain.run(() => onWritable.call(this, this.#writable - MQTT_WRITE_OVERHEAD));
      });
    }

    #keepaliveCheck(): void {
      const now = clock.now();
      const interval = this.#keepalive;
      if (now - this.#lastRead >= interval * 1.5) return this.#fail("time out");
      if (this.#state === "connected" && now - this.#lastWrite >= (interval * 3) / 4 - 500) {
        try {
          this.#send(mqtt.generate({ cmd: "pingreq" }));
        } catch {
          this.#fail("time out");
        }
      }
    }

    #fail(reason: string): void {
      if (this.#state === "closed") return;
      this.#shutdown();
      this.#socket.destroy();
      domain.disown(this);
      const onError = this.#options.onError;
      if (onError) domain.run(() => onError.call(this, reason));
    }

    #callback(name: "onControl", message: { operation: number; id?: number; returnCode?: number; payload?: number[] }): void {
      const handler = this.#options[name];
      if (handler && this.#state !== "closed") domain.run(() => handler.call(this, message));
    }

    #nextId(): number {
      this.#id = (this.#id % 65_535) + 1;
      return this.#id;
    }

    #after(ms: number, callback: () => void): void {
      const event = clock.schedule(clock.now() + ms, () => {
        this.#timers = this.#timers.filter((t) => t !== event);
        callback();
      });
      this.#timers.push(event);
    }

    #every(ms: number, callback: () => void): void {
      const tick = (): void => {
        if (this.#state === "closed") return;
        callback();
        if ((this.#state as State) !== "closed") this.#after(ms, tick);
      };
      this.#after(ms, tick);
    }
  }

  return MQTTClient;
}
