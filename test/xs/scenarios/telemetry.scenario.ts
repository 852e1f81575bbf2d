/**
 * Telemetry on XS and on Node: number formatting (XS's toFixed is not used),
 * the JSON message the publisher builds from the sampling loop, and the MQTT
 * session's order, resend and backoff through an in-memory ECMA-419 MQTT
 * client with Moddable's semantics.
 */
import { decodeUtf8, encodeUtf8 } from "../../../firmware/core/utf8";
import { MQTT_WRITE_OVERHEAD, MqttOperation, publishPacketLength, type MqttClientOptions, type MqttProvider, type MqttWriteOptions } from "../../../firmware/net/mqtt";
import { sensorsSection } from "../../../firmware/sensors/settings";
import { createSamplingLoop } from "../../../firmware/sensors/setup";
import { formatFixed } from "../../../firmware/telemetry/format";
import { MqttLink } from "../../../firmware/telemetry/link";
import { TelemetryPublisher } from "../../../firmware/telemetry/publisher";
import { telemetrySection } from "../../../firmware/telemetry/settings";
import { VirtualClock } from "../../../sim/clock/virtual-clock";
import { PowerDomain } from "../../../sim/device/power-domain";
import { createAnalogClass } from "../../../sim/io/analog";
import { createTimerService } from "../../../sim/io/timer";
import { BOARD_LOOP_PIN, SimSensorBoard } from "../../../sim/sensors/board";

interface Sent {
  topic: string;
  payload: string;
  dup: boolean;
  retain: boolean;
}

/** Moddable's MQTT client reduced to what the session uses; the scenario plays the broker. */
function fakeMqtt() {
  const sent: Sent[] = [];
  const clients: Array<{ options: MqttClientOptions; client: { write: unknown; read: unknown; close: () => void }; pending: number[]; open: boolean }> = [];
  const provider: MqttProvider = {
    io: class {
      constructor(options: MqttClientOptions) {
        const entry = { options, pending: [] as number[], open: true, client: undefined as never };
        let writable = 1000;
        const client = {
          write(data: Uint8Array | ArrayBuffer | null, o: MqttWriteOptions = {}) {
            if (!entry.open) throw new Error("not connected");
            if (o.operation === MqttOperation.DISCONNECT) return writable;
            const payload = data instanceof Uint8Array ? data : new Uint8Array(data as ArrayBuffer);
            const size = publishPacketLength(encodeUtf8(o.topic ?? "").length, payload.length, o.QoS ?? 0);
            if (size > writable) throw new Error("overflow");
            writable -= size;
            if (o.QoS) entry.pending.push(o.id!);
            sent.push({ topic: o.topic ?? "", payload: decodeUtf8(payload), dup: o.duplicate === true, retain: o.retain === true });
            return writable - MQTT_WRITE_OVERHEAD;
          },
          read: () => undefined,
          close: () => void (entry.open = false),
        };
        entry.client = client as never;
        clients.push(entry);
        return client as never;
      }
    } as never,
    host: "broker.test",
  };
  const current = () => clients[clients.length - 1]!;
  return {
    sent,
    clients,
    provider,
    accept() {
      const e = current();
      e.options.onControl?.call(e.client as never, { operation: MqttOperation.CONNACK, returnCode: 0, id: 0 });
      e.options.onWritable?.call(e.client as never, 992);
    },
    ackAll() {
      const e = current();
      for (const id of e.pending.splice(0)) e.options.onControl?.call(e.client as never, { operation: MqttOperation.PUBACK, id });
    },
    drop() {
      const e = current();
      e.open = false;
      e.options.onError?.call(e.client as never, "connection reset");
    },
  };
}

function loopRig() {
  const clock = new VirtualClock();
  const domain = new PowerDomain(() => {});
  const board = new SimSensorBoard({ clock, physics: { loop: { base: 50 } }, adcNoise: 0 });
  const timer = createTimerService(clock, domain);
  const ticks = { ticks: () => Math.floor(clock.now()) };
  const loop = createSamplingLoop(
    { timer, clock: ticks, log: () => {}, board: { Analog: { default: { io: createAnalogClass(board.analog, domain), pin: BOARD_LOOP_PIN } } } },
    sensorsSection.validate({ sht3x: { enabled: false }, bmp280: { enabled: false } }),
  );
  return { clock, timer, ticks, loop, board };
}

/** Equal-but-wrong on both engines must fail too: a scenario whose own check fails throws. */
function verified<T extends { ok: boolean }>(result: T): T {
  if (!result.ok) throw new Error(`self-check failed: ${JSON.stringify(result)}`);
  return result;
}

export const scenarios = {
  "numbers are formatted the same on both engines, rounded half away from zero"() {
    const cases: Array<[number, number]> = [[0.5, 0], [-0.5, 0], [2.5, 0], [21.5, 3], [-12.3456, 2], [-0.004, 2], [1013.25, 2], [12.0017094, 3], [NaN, 2], [1e21, 2]];
    const out = cases.map(([v, d]) => formatFixed(v, d));
    return verified({ out, ok: out.join(" ") === "1 -1 3 21.500 -12.35 0.00 1013.25 12.002 null 1e+21" });
  },

  "the publisher's JSON message, byte for byte"() {
    const { clock, timer, ticks, loop } = loopRig();
    const mqtt = fakeMqtt();
    const settings = telemetrySection.validate({});
    const link = new MqttLink({
      provider: mqtt.provider, host: "broker.test", port: 1883, clientId: "xs-node", keepalive: 60_000, statusTopic: "fieldnode/xs-node/status",
      reconnectMin: settings.reconnectMin, reconnectMax: settings.reconnectMax, connectTimeout: 15_000, maxInflight: 8, outboxMessages: 10, outboxBytes: 8192,
      timer, clock: ticks, log: () => {}, random: () => 0.5,
    });
    const publisher = new TelemetryPublisher({
      loop, link, timer, clock: ticks, deviceId: "xs-node", firmware: "1.0.0", telemetryTopic: "fieldnode/xs-node/telemetry", healthTopic: "fieldnode/xs-node/health",
      interval: 1000, minChangeInterval: 1000, healthInterval: 0, qos: 1, wallClock: () => Date.UTC(2026, 0, 2, 3, 4, 5),
    });
    loop.start();
    link.start();
    mqtt.accept();
    publisher.start();
    clock.runUntil(1000);
    const expected =
      '{"device":"xs-node","seq":2,"reason":"interval","uptime":1000,"firmware":"1.0.0","dropped":0,"time":"2026-01-02T03:04:05.000Z","channels":{' +
      '"loop":{"value":50.011,"unit":"%","quality":"ok","ts":900},"loop_current":{"value":12.002,"unit":"mA","quality":"ok","ts":900}}}';
    const messages = mqtt.sent.map((s) => `${s.topic} ${s.payload}`);
    return verified({ messages, ok: mqtt.sent[2]?.payload === expected && mqtt.sent[0]?.payload === "online" });
  },

  "the MQTT session resends unacknowledged messages first after a reconnect, and backs off with jitter"() {
    const { clock, timer, ticks } = loopRig();
    const mqtt = fakeMqtt();
    const randoms = [0, 0.5, 0.25];
    let r = 0;
    const link = new MqttLink({
      provider: mqtt.provider, host: "broker.test", port: 1883, clientId: "xs-node", keepalive: 60_000, statusTopic: "s",
      reconnectMin: 1000, reconnectMax: 60_000, connectTimeout: 1e9, maxInflight: 8, outboxMessages: 3, outboxBytes: 8192,
      timer, clock: ticks, log: () => {}, random: () => randoms[r++ % randoms.length]!,
    });
    link.start();
    mqtt.accept();
    link.enqueue("t", encodeUtf8("a"));
    link.enqueue("t", encodeUtf8("b"));
    mqtt.drop();
    const attempts: number[] = [];
    for (let i = 0; i < 3; i++) {
      const before = mqtt.clients.length;
      while (mqtt.clients.length === before) clock.advance(1);
      attempts.push(clock.now());
      if (i < 2) mqtt.drop();
    }
    for (const text of ["c", "d"]) link.enqueue("t", encodeUtf8(text));
    mqtt.accept();
    const order = mqtt.sent.map((s) => `${s.payload}${s.dup ? "*" : ""}`);
    return verified({ attempts, order, dropped: link.outbox.dropped, ok: order.join(",") === "online,a,b,online,b*,c,d" && attempts.join(",") === "500,2000,4500" });
  },
} satisfies Record<string, () => unknown>;
