/**
 * An in-memory stand-in for the ECMA-419 MQTT client with the semantics of
 * Moddable's (what firmware/net/mqtt.ts documents), driven by the test: the
 * test decides when the broker accepts, acknowledges, or drops the link.
 */
import {
  MQTT_WRITE_OVERHEAD,
  MqttOperation,
  publishPacketLength,
  type MqttClientIO,
  type MqttClientOptions,
  type MqttProvider,
  type MqttWriteOptions,
} from "../../firmware/net/mqtt";

export interface Sent {
  topic: string;
  payload: string;
  qos: number;
  retain: boolean;
  duplicate: boolean;
  id: number | undefined;
}

export class FakeMqtt {
  readonly clients: FakeClient[] = [];
  /** What every client wrote, in order. */
  readonly sent: Sent[] = [];
  /** Throw from the constructor (e.g. a host that does not resolve). */
  refuse: string | undefined;
  sendBuffer = 5744;

  get provider(): MqttProvider {
    const fake = this;
    return {
      io: class {
        constructor(options: MqttClientOptions) {
          if (fake.refuse !== undefined) throw new Error(fake.refuse);
          const client = new FakeClient(fake, options);
          fake.clients.push(client);
          return client as never;
        }
      } as never,
      host: "broker.test",
      port: 1883,
    };
  }

  get current(): FakeClient {
    return this.clients.at(-1)!;
  }

  payloads(topic?: string): string[] {
    return this.sent.filter((s) => topic === undefined || s.topic === topic).map((s) => s.payload);
  }
}

export class FakeClient implements MqttClientIO {
  readonly options: MqttClientOptions;
  readonly #fake: FakeMqtt;
  state: "connecting" | "connected" | "closed" = "connecting";
  writable: number;
  disconnectSent = false;
  readonly pending: number[] = [];

  constructor(fake: FakeMqtt, options: MqttClientOptions) {
    this.#fake = fake;
    this.options = options;
    this.writable = fake.sendBuffer;
  }

  /** The broker answers CONNACK (0: accepted), then the socket reports room. */
  accept(returnCode = 0): void {
    if (returnCode !== 0) return this.drop("connection rejected");
    this.state = "connected";
    this.options.onControl?.call(this, { operation: MqttOperation.CONNACK, returnCode: 0, id: 0 });
    if (this.state === "connected") this.options.onWritable?.call(this, this.writable - MQTT_WRITE_OVERHEAD);
  }

  /** PUBACK for a packet id. */
  ack(id: number): void {
    this.pending.splice(this.pending.indexOf(id), 1);
    this.options.onControl?.call(this, { operation: MqttOperation.PUBACK, id });
  }

  ackAll(): void {
    for (const id of [...this.pending]) this.ack(id);
  }

  /** The send buffer drained: `bytes` more room. */
  drain(bytes = this.#fake.sendBuffer - this.writable): void {
    this.writable += bytes;
    this.options.onWritable?.call(this, this.writable - MQTT_WRITE_OVERHEAD);
  }

  /** A socket error or keep-alive timeout: onError, then closed (as Moddable's client does). */
  drop(reason = "connection reset"): void {
    if (this.state === "closed") return;
    this.options.onError?.call(this, reason);
    this.state = "closed";
  }

  write(data: Uint8Array | ArrayBuffer | null, options: MqttWriteOptions = {}): number {
    if (this.state !== "connected") throw new Error("not connected");
    const operation = options.operation ?? MqttOperation.PUBLISH;
    if (operation === MqttOperation.DISCONNECT) {
      this.disconnectSent = true;
      this.writable -= 2;
      return this.writable - MQTT_WRITE_OVERHEAD;
    }
    const payload = data instanceof ArrayBuffer ? new Uint8Array(data) : (data ?? new Uint8Array(0));
    const topic = options.topic ?? "";
    const qos = options.QoS ?? 0;
    const size = publishPacketLength(new TextEncoder().encode(topic).length, payload.length, qos);
    if (size > this.writable) throw new Error("overflow");
    this.writable -= size;
    if (qos > 0) this.pending.push(options.id!);
    this.#fake.sent.push({ topic, payload: new TextDecoder().decode(payload), qos, retain: options.retain === true, duplicate: options.duplicate === true, id: options.id });
    return Math.max(0, this.writable - MQTT_WRITE_OVERHEAD);
  }

  read(): ArrayBuffer | undefined {
    return undefined;
  }

  close(): void {
    this.state = "closed";
  }
}
