import { describe, expect, it } from "vitest";
import { encodeUtf8 } from "../../firmware/core/utf8";
import { MqttLink, type LinkOptions } from "../../firmware/telemetry/link";
import { VirtualClock } from "../../sim/clock/virtual-clock";
import { PowerDomain } from "../../sim/device/power-domain";
import { createTimerService } from "../../sim/io/timer";
import { FakeMqtt } from "./fake-mqtt";

const STATUS = "site/node-7/status";
const DATA = "site/node-7/telemetry";

function setup(options: Partial<LinkOptions> = {}, randoms: number[] = []) {
  const clock = new VirtualClock();
  const domain = new PowerDomain((error) => {
    throw error;
  });
  const timer = createTimerService(clock, domain);
  const mqtt = new FakeMqtt();
  const log: string[] = [];
  let r = 0;
  const link = new MqttLink({
    provider: mqtt.provider,
    host: "broker.test",
    port: 1883,
    clientId: "node-7",
    keepalive: 60_000,
    statusTopic: STATUS,
    reconnectMin: 1_000,
    reconnectMax: 60_000,
    connectTimeout: 15_000,
    maxInflight: 4,
    outboxMessages: 10,
    outboxBytes: 4096,
    timer,
    clock: { ticks: () => Math.floor(clock.now()) },
    log: (line) => log.push(`${clock.now()} ${line}`),
    random: () => randoms[r++ % Math.max(1, randoms.length)] ?? 0.5,
    ...options,
  });
  const send = (text: string) => link.enqueue(DATA, encodeUtf8(text));
  return { clock, timer, mqtt, link, log, send };
}

describe("MQTT link", () => {
  it("connects with a clean session, the keep-alive and a retained 'offline' will on the status topic", () => {
    const { link, mqtt } = setup();
    link.start();
    const o = mqtt.current.options;
    expect({ host: o.host, port: o.port, id: o.id, clean: o.clean, keepalive: o.keepalive, will: o.will }).toEqual({
      host: "broker.test",
      port: 1883,
      id: "node-7",
      clean: true,
      keepalive: 60_000,
      will: { topic: STATUS, message: "offline", QoS: 1, retain: true },
    });
    expect(link.state).toBe("connecting");
  });

  it("announces 'online' (retained, QoS 1) first, then sends what was buffered, in order", () => {
    const { link, mqtt, send } = setup();
    link.start();
    send("a");
    send("b");
    mqtt.current.accept();
    expect(mqtt.sent.map((s) => [s.topic, s.payload, s.qos, s.retain])).toEqual([
      [STATUS, "online", 1, true],
      [DATA, "a", 1, false],
      [DATA, "b", 1, false],
    ]);
    expect(link.state).toBe("connected");
  });

  it("keeps a QoS 1 message until the broker acknowledges it", () => {
    const { link, mqtt, send } = setup();
    link.start();
    mqtt.current.accept();
    send("a");
    expect(link.outbox.length).toBe(1);
    const id = mqtt.sent.at(-1)!.id!;
    mqtt.current.ack(id);
    expect(link.outbox.length).toBe(0);
    expect(link.counters.delivered).toBe(1);
  });

  it("has at most maxInflight unacknowledged messages out, and sends the next on each PUBACK", () => {
    const { link, mqtt, send } = setup();
    link.start();
    mqtt.current.accept();
    for (const t of ["1", "2", "3", "4", "5", "6"]) send(t);
    expect(mqtt.payloads(DATA)).toEqual(["1", "2", "3", "4"]);
    mqtt.current.ack(mqtt.sent[1]!.id!);
    expect(mqtt.payloads(DATA)).toEqual(["1", "2", "3", "4", "5"]);
  });

  it("waits for room in the send buffer (onWritable) instead of overflowing it", () => {
    const { link, mqtt, send } = setup();
    mqtt.sendBuffer = 120;
    link.start();
    mqtt.current.accept(); // "online": 1+1+(2+18+2+6) = 30 bytes, 90 left, 82 reported
    send("x".repeat(40)); // 1+1+(2+21+2+40) = 67 bytes: fits, 23 left, 15 reported
    send("y".repeat(40)); // does not fit any more
    expect(mqtt.payloads(DATA)).toHaveLength(1);
    mqtt.current.drain();
    expect(mqtt.payloads(DATA)).toHaveLength(2);
  });

  it("sends unacknowledged messages again, flagged DUP and before newer ones, after a reconnect", () => {
    const { link, mqtt, send, clock } = setup();
    link.start();
    mqtt.current.accept();
    send("a");
    send("b");
    mqtt.current.ack(mqtt.sent[1]!.id!); // "a" delivered, "b" in flight
    mqtt.current.drop();
    send("c");
    clock.advance(2_000);
    mqtt.current.accept();
    expect(mqtt.sent.slice(3).map((s) => [s.payload, s.duplicate])).toEqual([
      ["online", false],
      ["b", true],
      ["c", false],
    ]);
    expect(link.counters.resent).toBe(1);
  });

  it("waits between half and all of an exponential backoff ceiling before each attempt (equal jitter)", () => {
    const { link, mqtt, clock } = setup({}, [0, 0.5, 1 - 1e-9, 0, 0.25]);
    link.start();
    const attempts: number[] = [];
    for (let i = 0; i < 5; i++) {
      mqtt.current.drop("connection refused");
      const before = mqtt.clients.length;
      while (mqtt.clients.length === before) clock.advance(1);
      attempts.push(clock.now());
    }
    // ceilings 1, 2, 4, 8, 16 s; random 0, 0.5, ~1, 0, 0.25
    const delays = attempts.map((t, i) => t - (i === 0 ? 0 : attempts[i - 1]!));
    expect(delays).toEqual([500, 1_500, 4_000, 4_000, 10_000]);
  });

  it("caps the backoff at reconnectMax", () => {
    const { link, mqtt, clock } = setup({ reconnectMax: 5_000 }, [1 - 1e-9]);
    link.start();
    for (let i = 0; i < 6; i++) {
      mqtt.current.drop();
      clock.advance(60_000);
    }
    mqtt.current.drop();
    expect(link.nextAttemptAt - clock.now()).toBe(5_000);
  });

  it("starts the backoff over after a successful connection", () => {
    const { link, mqtt, clock } = setup({ connectTimeout: 1e9 }, [0]);
    link.start();
    for (let i = 0; i < 4; i++) {
      mqtt.current.drop();
      clock.advance(30_000);
    }
    mqtt.current.accept();
    mqtt.current.drop();
    expect(link.nextAttemptAt - clock.now()).toBe(500);
  });

  it("gives up on an attempt that gets no CONNACK within the connect timeout", () => {
    const { link, mqtt, clock, log } = setup({}, [0]);
    link.start();
    clock.advance(14_999);
    expect(link.state).toBe("connecting");
    clock.advance(1);
    expect(link.state).toBe("waiting");
    expect(mqtt.current.state).toBe("closed");
    expect(log).toEqual(["15000 mqtt: connection failed (no CONNACK within 15000 ms); retrying in 500 ms, 0 buffered"]);
  });

  it("treats a client that cannot be created (host does not resolve) as a failed attempt", () => {
    const { link, mqtt, clock } = setup({}, [0]);
    mqtt.refuse = "host not found";
    link.start();
    expect(link.state).toBe("waiting");
    mqtt.refuse = undefined;
    clock.advance(500);
    expect(link.state).toBe("connecting");
  });

  it("buffers while offline and drops the oldest when the buffer is full, counting them", () => {
    const { link, mqtt, send, clock } = setup({ outboxMessages: 3 });
    link.start();
    for (const t of ["1", "2", "3", "4", "5"]) send(t);
    expect(link.outbox.dropped).toBe(2);
    clock.advance(100);
    mqtt.current.accept();
    expect(mqtt.payloads(DATA)).toEqual(["3", "4", "5"]);
  });

  it("drops the oldest message not already in flight when the buffer is full", () => {
    const { link, mqtt, send } = setup({ outboxMessages: 3, maxInflight: 1 });
    link.start();
    mqtt.current.accept();
    send("1"); // in flight
    send("2");
    send("3");
    send("4"); // full: "2" goes, "1" stays in flight
    mqtt.current.ack(mqtt.sent.at(-1)!.id!);
    mqtt.current.ack(mqtt.sent.at(-1)!.id!);
    expect(mqtt.payloads(DATA)).toEqual(["1", "3", "4"]);
    expect(link.outbox.dropped).toBe(1);
  });

  it("also bounds the buffer by bytes", () => {
    const { link, send } = setup({ outboxBytes: 10 });
    link.start();
    send("12345");
    send("67890");
    send("abc");
    expect(link.outbox.length).toBe(2);
    expect(link.outbox.dropped).toBe(1);
  });

  it("leaves cleanly on stop: retained 'offline', then DISCONNECT, so the will is not published", () => {
    const { link, mqtt } = setup();
    link.start();
    mqtt.current.accept();
    link.stop();
    expect(mqtt.sent.at(-1)).toMatchObject({ topic: STATUS, payload: "offline", retain: true });
    expect(mqtt.clients[0]!.disconnectSent).toBe(true);
    expect(mqtt.clients[0]!.state).toBe("closed");
    expect(link.state).toBe("stopped");
  });

  it("logs a lost connection once, not every failed retry", () => {
    const { link, mqtt, clock, log } = setup({ connectTimeout: 1e9 }, [0]);
    link.start();
    mqtt.current.accept();
    mqtt.current.drop("connection reset");
    for (let i = 0; i < 3; i++) {
      clock.advance(60_000);
      mqtt.current.drop("connection refused");
    }
    expect(log.map((l) => l.replace(/^\d+ /, ""))).toEqual([
      "mqtt: connected to broker.test:1883 as node-7; 0 buffered",
      "mqtt: connection lost (connection reset); retrying in 500 ms, 0 buffered",
      "mqtt: connection failed (connection refused); retrying in 1000 ms, 0 buffered",
    ]);
  });
});
