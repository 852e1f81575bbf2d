/**
 * `npm start`'s sensor and MQTT options, end to end: the embedded broker, the
 * topics and the mosquitto_sub line it prints, --watch showing what the
 * device publishes, and a --fault injected and cleared on schedule.
 */
import { describe, expect, it } from "vitest";
import { runTs } from "../cli/run-node";

describe("npm start with sensors and MQTT", () => {
  it("lists --mqtt, --watch and --fault in --help, with every fault by name", async () => {
    const { code, stdout } = await runTs("sim/main.ts", ["--help"]);
    expect(code).toBe(0);
    expect(stdout).toContain("--mqtt URL");
    expect(stdout).toContain("--watch");
    expect(stdout).toContain("--fault TARGET=FAULT[@AT[+FOR]]");
    expect(stdout).toContain("sht3x: nack, disconnect, stuck, crc, slow");
    expect(stdout).toContain("loop: break, over, under, stuck, adc");
  });

  it("runs a broker, prints where to watch, and shows a fault injected and recovered over MQTT", async () => {
    const { code, stdout, stderr } = await runTs("sim/main.ts", ["--id", "start-mqtt", "--duration", "9", "--watch", "--fault", "sht3x=disconnect@2.5+1"]);
    expect(stderr).toBe("");
    expect(code).toBe(0);
    expect(stdout).toMatch(/MQTT: embedded broker \(aedes\) at mqtt:\/\/127\.0\.0\.1:\d+/);
    expect(stdout).toMatch(/watch: {2}mosquitto_sub -h 127\.0\.0\.1 -p \d+ -t 'fieldnode\/start-mqtt\/#' -v/);
    expect(stdout).toContain("mqtt fieldnode/start-mqtt/status online");
    expect(stdout).toContain("sensors: injected sht3x=disconnect; active: sht3x=disconnect");
    expect(stdout).toContain("sensors: cleared sht3x=disconnect; active: none");
    expect(stdout).toMatch(/app {2}sensor sht3x: disconnected \(SHT3x .*\); retrying with backoff/);
    expect(stdout).toMatch(/app {2}sensor sht3x: recovered after \d+ failed attempts?/);
    const telemetry = stdout.split("\n").filter((l) => l.startsWith("mqtt fieldnode/start-mqtt/telemetry "));
    const qualities = telemetry.map((l) => (JSON.parse(l.slice(l.indexOf("{"))) as { channels: { temperature: { quality: string } } }).channels.temperature.quality);
    expect(qualities).toContain("disconnected");
    expect(qualities.at(-1)).toBe("ok");
  });

  it("refuses an unknown fault with status 2, listing the choices", async () => {
    const { code, stderr } = await runTs("sim/main.ts", ["--fault", "sht3x=melt"]);
    expect(code).toBe(2);
    expect(stderr).toContain('unknown sht3x fault "melt" (expected nack, disconnect, stuck, crc, slow)');
  });

  it("refuses an --mqtt that is not an MQTT URL", async () => {
    const { code, stderr } = await runTs("sim/main.ts", ["--mqtt", "http://example.com"]);
    expect(code).toBe(2);
    expect(stderr).toContain('"http://example.com" is not an MQTT URL like mqtt://host:1883');
  });
});
