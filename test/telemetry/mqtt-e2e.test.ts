import { afterEach, describe, expect, it } from "vitest";
import { startEmbeddedBroker, type EmbeddedBroker } from "../../sim/net/broker";
import { subscribe, type Subscriber } from "../../sim/net/subscriber";
import { pump, pumpUntil, telemetryNode } from "./support";

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function broker(port = 0): Promise<EmbeddedBroker> {
  const b = await startEmbeddedBroker({ port });
  cleanups.push(() => b.close());
  return b;
}

async function subscriber(b: EmbeddedBroker, topics = ["fieldnode/#"]): Promise<Subscriber> {
  const s = await subscribe({ host: b.host, port: b.port, topics });
  cleanups.push(() => s.close());
  return s;
}

type Telemetry = { device: string; seq: number; reason: string; uptime: number; dropped: number; channels: Record<string, { value: number | null; unit: string; quality: string; ts: number | null }> };
const parse = (payload: string) => JSON.parse(payload) as Telemetry;

describe("MQTT telemetry end to end (embedded aedes broker)", () => {
  it("publishes telemetry with units, timestamps and quality, and a retained 'online' status", async () => {
    const b = await broker();
    const sub = await subscriber(b);
    const node = telemetryNode({ host: b.host, port: b.port });
    cleanups.push(() => node.powerCut());
    // The SHT3x's first value comes at 2 s (opened at 0, set up at 1 s): look at the message at 3 s.
    const at3s = () => sub.messages.some((m) => m.topic.endsWith("/telemetry") && parse(m.payload).uptime === 3_000);
    await pumpUntil(node.clock, at3s, "the telemetry message at 3 s");
    const status = sub.messages.find((m) => m.topic === "fieldnode/node-e2e/status")!;
    expect(status).toMatchObject({ payload: "online", qos: 1 });
    const interval = sub.messages.filter((m) => m.topic === "fieldnode/node-e2e/telemetry").map((m) => parse(m.payload)).find((t) => t.uptime === 3_000)!;
    expect(interval.reason).toBe("interval");
    expect(Object.keys(interval.channels).sort()).toEqual(["baro_temperature", "humidity", "loop", "loop_current", "pressure", "temperature"]);
    expect(Object.fromEntries(Object.entries(interval.channels).map(([n, c]) => [n, [c.unit, c.quality]]))).toEqual({
      temperature: ["°C", "ok"],
      humidity: ["%RH", "ok"],
      pressure: ["hPa", "ok"],
      baro_temperature: ["°C", "ok"],
      loop: ["%", "ok"],
      loop_current: ["mA", "ok"],
    });
    expect(interval.channels.pressure!.value).toBeCloseTo(1013.25, 0);
    expect(interval.uptime % 1000).toBe(0);
    for (const c of Object.values(interval.channels)) expect(c.ts).toBeLessThanOrEqual(interval.uptime);
  });

  it("leaves a retained 'offline' behind when power is cut (the broker publishes the will)", async () => {
    const b = await broker();
    const sub = await subscriber(b);
    const node = telemetryNode({ host: b.host, port: b.port });
    await pumpUntil(node.clock, () => sub.messages.some((m) => m.payload === "online"), "online status");
    node.powerCut();
    const will = await sub.next((m) => m.topic === "fieldnode/node-e2e/status" && m.payload === "offline");
    expect(will.qos).toBe(1);
    const late = await subscriber(b, ["fieldnode/node-e2e/status"]);
    const retained = await late.next((m) => m.topic === "fieldnode/node-e2e/status", 5_000, true);
    expect(retained).toMatchObject({ payload: "offline", retain: true });
  });

  it("publishes no will on a clean stop: 'offline' comes from the device and DISCONNECT", async () => {
    const b = await broker();
    const sub = await subscriber(b);
    const node = telemetryNode({ host: b.host, port: b.port });
    cleanups.push(() => node.powerCut());
    await pumpUntil(node.clock, () => node.telemetry.link.state === "connected", "connection");
    const wills: string[] = [];
    b.aedes.on("publish", (packet, client) => {
      if (client === null && packet.topic.endsWith("/status")) wills.push(String(packet.payload));
    });
    node.telemetry.stop(true);
    await sub.next((m) => m.payload === "offline");
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(wills).toEqual([]);
  });

  it("buffers telemetry while the broker is down and delivers it in order after it restarts", async () => {
    const b = await broker();
    const port = b.port;
    const node = telemetryNode({ host: b.host, port });
    cleanups.push(() => node.powerCut());
    await pumpUntil(node.clock, () => node.telemetry.link.state === "connected" && node.telemetry.link.outbox.length === 0, "a connection with nothing pending");
    await b.close();
    const outageStart = node.clock.now();
    await pump(node.clock, 10_000);
    expect(node.telemetry.link.state).not.toBe("connected");
    const buffered = node.telemetry.link.outbox.length;
    expect(buffered).toBeGreaterThanOrEqual(10);

    const restarted = await broker(port);
    const sub = await subscriber(restarted, ["fieldnode/node-e2e/telemetry"]);
    await pumpUntil(node.clock, () => sub.messages.length >= buffered, `${buffered} buffered messages`);
    const received = sub.messages.map((m) => parse(m.payload));
    const seqs = received.map((t) => t.seq);
    expect(seqs).toEqual([...seqs].sort((x, y) => x - y));
    expect(seqs.slice(1).every((s, i) => s === seqs[i]! + 1)).toBe(true);
    expect(received.slice(0, buffered).every((t) => t.uptime >= outageStart)).toBe(true);
    expect(received.every((t) => t.dropped === 0)).toBe(true);
    expect(node.log.some((l) => l.startsWith("mqtt: connection lost"))).toBe(true);
  });

  it("drops the oldest messages when the outage outlasts the buffer, and says how many", async () => {
    const b = await broker();
    const port = b.port;
    const node = telemetryNode({ host: b.host, port, telemetry: { bufferMessages: 5 } });
    cleanups.push(() => node.powerCut());
    await pumpUntil(node.clock, () => node.telemetry.link.state === "connected" && node.telemetry.link.outbox.length === 0, "connection");
    await b.close();
    await pump(node.clock, 12_000);
    const dropped = node.telemetry.link.outbox.dropped;
    expect(dropped).toBeGreaterThan(5);
    const restarted = await broker(port);
    const sub = await subscriber(restarted, ["fieldnode/node-e2e/telemetry"]);
    await pumpUntil(node.clock, () => sub.messages.length >= 6, "the buffered messages and one more");
    const received = sub.messages.map((m) => parse(m.payload));
    expect(received.slice(0, 5).map((t) => t.seq)).toEqual([0, 1, 2, 3, 4].map((i) => received[0]!.seq + i));
    expect(received[5]!.dropped).toBe(dropped);
  });
});
