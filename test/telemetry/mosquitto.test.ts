/**
 * Interop with Eclipse Mosquitto: the firmware's telemetry through the
 * simulator's MQTT client to a real mosquitto broker, read by mosquitto_sub.
 * Skipped, with a message, where mosquitto is not installed (CI installs it).
 */
import { afterEach, describe, expect, it } from "vitest";
import { MOSQUITTO_MISSING, freePort, startMosquitto, startMosquittoSub } from "./mosquitto";
import { pump, pumpUntil, telemetryNode } from "./support";

if (MOSQUITTO_MISSING) console.log(MOSQUITTO_MISSING);

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

const DEVICE = "node-mosq";

describe.skipIf(MOSQUITTO_MISSING !== undefined)("MQTT telemetry against mosquitto", () => {
  it("shows the retained status and live telemetry in mosquitto_sub", async () => {
    const port = await freePort();
    const broker = await startMosquitto(port);
    cleanups.push(() => broker.stop());
    const sub = await startMosquittoSub(port, `fieldnode/${DEVICE}/#`);
    cleanups.push(() => sub.stop());
    const node = telemetryNode({ host: "127.0.0.1", port, deviceId: DEVICE });
    cleanups.push(() => node.powerCut());
    await pumpUntil(node.clock, () => sub.lines.filter((l) => l.includes('"reason":"interval"')).length >= 3, "three telemetry lines in mosquitto_sub");
    expect(sub.lines[0]).toBe(`fieldnode/${DEVICE}/status online`);
    const line = sub.lines.filter((l) => l.includes('"uptime":3000'))[0]!;
    expect(line.startsWith(`fieldnode/${DEVICE}/telemetry {"device":"${DEVICE}","seq":`)).toBe(true);
    const message = JSON.parse(line.slice(line.indexOf(" ") + 1)) as { channels: Record<string, { unit: string; quality: string }> };
    expect(message.channels.temperature).toMatchObject({ unit: "°C", quality: "ok" });
    expect(message.channels.loop_current).toMatchObject({ unit: "mA", quality: "ok" });
  });

  it("gets the last will 'offline' published by mosquitto when the device loses power", async () => {
    const port = await freePort();
    const broker = await startMosquitto(port);
    cleanups.push(() => broker.stop());
    const sub = await startMosquittoSub(port, `fieldnode/${DEVICE}/status`);
    cleanups.push(() => sub.stop());
    const node = telemetryNode({ host: "127.0.0.1", port, deviceId: DEVICE });
    await pumpUntil(node.clock, () => sub.lines.includes(`fieldnode/${DEVICE}/status online`), "online in mosquitto_sub");
    node.powerCut();
    await sub.waitFor((l) => l === `fieldnode/${DEVICE}/status offline`);
    expect(broker.output.some((l) => l.includes(`Client ${DEVICE} closed its connection`) || l.includes(`Client ${DEVICE} disconnected`))).toBe(true);
  });

  it("delivers what was buffered during a mosquitto restart, in order", async () => {
    const port = await freePort();
    let broker = await startMosquitto(port);
    const node = telemetryNode({ host: "127.0.0.1", port, deviceId: DEVICE });
    cleanups.push(() => node.powerCut());
    await pumpUntil(node.clock, () => node.telemetry.link.state === "connected" && node.telemetry.link.outbox.length === 0, "a connection");
    await broker.stop();
    await pump(node.clock, 8_000);
    const buffered = node.telemetry.link.outbox.length;
    expect(buffered).toBeGreaterThanOrEqual(8);
    broker = await startMosquitto(port);
    cleanups.push(() => broker.stop());
    const sub = await startMosquittoSub(port, `fieldnode/${DEVICE}/telemetry`);
    cleanups.push(() => sub.stop());
    await pumpUntil(node.clock, () => sub.lines.length >= buffered, `${buffered} lines in mosquitto_sub`, 15_000);
    const seqs = sub.lines.map((l) => (JSON.parse(l.slice(l.indexOf(" ") + 1)) as { seq: number }).seq);
    expect(seqs.slice(1).every((s, i) => s === seqs[i]! + 1)).toBe(true);
  });
});
