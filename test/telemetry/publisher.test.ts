import { describe, expect, it } from "vitest";
import { MqttLink } from "../../firmware/telemetry/link";
import { TelemetryPublisher, type PublisherOptions } from "../../firmware/telemetry/publisher";
import { loopBench } from "../sensors/fixture";
import type { SensorPhysics } from "../../sim/sensors/board";
import { FakeMqtt } from "./fake-mqtt";

const ONLY_LOOP = { sht3x: { enabled: false }, bmp280: { enabled: false }, loop: { interval: 100 } };
const TOPIC = "site/node-7/telemetry";

function setup(options: Partial<PublisherOptions> = {}, settings: unknown = ONLY_LOOP, physics?: SensorPhysics) {
  const bench = loopBench(settings, physics);
  const mqtt = new FakeMqtt();
  const link = new MqttLink({
    provider: mqtt.provider,
    host: "broker.test",
    port: 1883,
    clientId: "node-7",
    keepalive: 60_000,
    statusTopic: "site/node-7/status",
    reconnectMin: 1_000,
    reconnectMax: 60_000,
    connectTimeout: 1e9,
    maxInflight: 64,
    outboxMessages: 100,
    outboxBytes: 65_536,
    timer: bench.timer,
    clock: bench.ticks,
    log: () => {},
  });
  const publisher = new TelemetryPublisher({
    loop: bench.loop,
    link,
    timer: bench.timer,
    clock: bench.ticks,
    deviceId: "node-7",
    firmware: "1.2.3",
    telemetryTopic: TOPIC,
    healthTopic: "site/node-7/health",
    interval: 1_000,
    minChangeInterval: 1_000,
    healthInterval: 0,
    qos: 1,
    wallClock: () => 0,
    ...options,
  });
  bench.start();
  link.start();
  mqtt.current.accept();
  publisher.start();
  const messages = () => mqtt.sent.filter((s) => s.topic === TOPIC).map((s) => JSON.parse(s.payload) as Record<string, unknown>);
  return { ...bench, mqtt, link, publisher, messages };
}

describe("telemetry publisher", () => {
  it("publishes every channel with value, unit, quality and timestamp as JSON", () => {
    const { clock, mqtt } = setup();
    clock.runUntil(100);
    expect(mqtt.payloads(TOPIC)).toEqual([
      '{"device":"node-7","seq":1,"reason":"change","uptime":100,"firmware":"1.2.3","dropped":0,"channels":{' +
        '"loop":{"value":50.011,"unit":"%","quality":"ok","ts":100},' +
        '"loop_current":{"value":12.002,"unit":"mA","quality":"ok","ts":100}}}',
    ]);
    expect(mqtt.sent.at(-1)).toMatchObject({ qos: 1, retain: false });
  });

  it("publishes on a drift-free interval", () => {
    const { clock, messages } = setup();
    clock.runUntil(10_000);
    const interval = messages().filter((m) => m.reason === "interval");
    expect(interval.map((m) => m.uptime)).toEqual([1000, 2000, 3000, 4000, 5000, 6000, 7000, 8000, 9000, 10000]);
    expect(messages().map((m) => m.seq)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]);
  });

  it("publishes at once when a value moves by its delta, and no more often than minChangeInterval", () => {
    const physics = { loop: { script: [[0, 50], [5_040, 50], [5_050, 53], [5_240, 53], [5_250, 58]] as Array<[number, number]> } };
    const { clock, messages } = setup({ interval: 60_000 }, ONLY_LOOP, physics);
    clock.runUntil(7_000);
    const changes = messages().map((m) => [m.reason, m.uptime, (m.channels as Record<string, { value: number }>).loop.value]);
    expect(changes).toEqual([
      ["change", 100, 50.011],
      ["change", 5_100, 53.002],
      ["change", 6_100, 58.013],
    ]);
  });

  it("publishes a quality change at once, with the held value", () => {
    const { clock, messages, board } = setup({ interval: 60_000 });
    clock.runUntil(2_000);
    board.inject("loop", "break");
    clock.runUntil(2_100);
    const last = messages().at(-1)!;
    expect(last.reason).toBe("change");
    expect(last.uptime).toBe(2_100);
    expect((last.channels as Record<string, unknown>).loop).toEqual({ value: 50.011, unit: "%", quality: "disconnected", ts: 2_000 });
  });

  it("reports the rejected reading of an out-of-range channel", () => {
    const { clock, messages, board } = setup({ interval: 60_000 });
    clock.runUntil(2_000);
    board.inject("loop", "over");
    clock.runUntil(2_100);
    // 20.8 mA through 100 Ω reads 3477 counts: 20.8026 mA
    expect((messages().at(-1)!.channels as Record<string, unknown>).loop_current).toEqual({ value: 20.803, unit: "mA", quality: "out-of-range", ts: 2_000 });
  });

  it("adds the wall-clock time once the device's clock is set", () => {
    const { clock, messages } = setup({ wallClock: () => Date.UTC(2026, 4, 1, 12) });
    clock.runUntil(100);
    expect(messages()[0]!.time).toBe("2026-05-01T12:00:00.000Z");
  });

  it("says how many messages the offline buffer dropped", () => {
    const { clock, messages, mqtt, link } = setup();
    mqtt.current.drop();
    for (let i = 0; i < 120; i++) link.enqueue(TOPIC, new TextEncoder().encode(`{"filler":${i}}`));
    clock.runUntil(1_900);
    mqtt.current.accept();
    clock.runUntil(2_000);
    while (link.outbox.length > 0) mqtt.current.ackAll();
    const telemetry = messages().filter((m) => m.device === "node-7");
    // 120 fillers into a 100-message buffer drop 20; each message says what was dropped before it was queued
    expect(telemetry.map((m) => [m.seq, m.dropped])).toEqual([
      [1, 20],
      [2, 21],
      [3, 22],
    ]);
    expect(link.outbox.dropped).toBe(23);
  });

  it("publishes health counters on their own topic while connected, and skips them while not", () => {
    const { clock, mqtt } = setup({ healthInterval: 5_000 });
    clock.runUntil(5_000);
    const health = mqtt.payloads("site/node-7/health");
    expect(health).toHaveLength(1);
    expect(JSON.parse(health[0]!)).toMatchObject({
      device: "node-7",
      uptime: 5_000,
      mqtt: { connects: 1, failures: 0, dropped: 0 },
      // samples at 100 … 4900: the health slot at 5000 runs before the loop's (its timer was armed first)
      sensors: { loop: { fault: null, samples: 49, overruns: 0, disconnects: 0, recoveries: 0 } },
    });
    mqtt.current.drop();
    clock.runUntil(9_999);
    expect(mqtt.payloads("site/node-7/health")).toHaveLength(1);
  });
});
