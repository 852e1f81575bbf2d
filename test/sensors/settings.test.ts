import { describe, expect, it } from "vitest";
import { SettingsError } from "../../firmware/config/settings";
import { SENSORS_DEFAULTS, sensorsSection } from "../../firmware/sensors/settings";
import { TELEMETRY_DEFAULTS, parseBroker, telemetrySection } from "../../firmware/telemetry/settings";

const error = (fn: () => unknown) => {
  try {
    fn();
  } catch (e) {
    return e instanceof SettingsError ? e.message : `not a SettingsError: ${String(e)}`;
  }
  return "no error";
};

describe("sensors settings", () => {
  it("fills what a stored document leaves out from the defaults", () => {
    const value = sensorsSection.validate({ loop: { interval: 10, unit: "bar" }, channels: { temperature: { offset: -0.3 } } });
    expect(value.loop).toEqual({ ...SENSORS_DEFAULTS.loop, interval: 10, unit: "bar" });
    expect(value.channels.temperature).toEqual({ ...SENSORS_DEFAULTS.channels.temperature, offset: -0.3 });
    expect(value.sht3x).toEqual(SENSORS_DEFAULTS.sht3x);
  });

  it("names the offending field", () => {
    expect(error(() => sensorsSection.validate({ sht3x: { interval: 5 } }))).toBe("sensors.sht3x.interval: 5 is below 10");
    expect(error(() => sensorsSection.validate({ sht3x: { interval: 10.5 } }))).toBe("sensors.sht3x.interval: 10.5 is not a whole number");
    expect(error(() => sensorsSection.validate({ sht3x: { address: 0x50 } }))).toBe("sensors.sht3x.address: 80 is not one of 68, 69");
    expect(error(() => sensorsSection.validate({ bmp280: { filter: 3 } }))).toBe("sensors.bmp280.filter: 3 is not one of 0, 2, 4, 8, 16");
    expect(error(() => sensorsSection.validate({ loop: { intervall: 100 } }))).toMatch(/^sensors\.loop\.intervall: unknown field/);
    expect(error(() => sensorsSection.validate({ channels: { temprature: {} } }))).toMatch(/^sensors\.channels\.temprature: unknown channel/);
    expect(error(() => sensorsSection.validate({ channels: { loop: { filters: [{ type: "median", size: 100 }] } } }))).toBe("sensors.channels.loop.filters[0].size: 100 is above 64");
    expect(error(() => sensorsSection.validate({ channels: { loop: { filters: [{ type: "kalman" }] } } }))).toBe('sensors.channels.loop.filters[0].type: "kalman" is not one of median, average, exponential');
    expect(error(() => sensorsSection.validate({ channels: { loop: { min: 10, max: 0 } } }))).toBe("sensors.channels.loop.min: 10 is above max 0");
    expect(error(() => sensorsSection.validate({ channels: { loop: { stuckAfter: 1 } } }))).toBe("sensors.channels.loop.stuckAfter: 1 is not 0 (off) or at least 2");
    expect(error(() => sensorsSection.validate({ loop: { low: 4, high: 4 } }))).toBe("sensors.loop.high: must differ from low");
  });

  it("refuses an SHT3x interval shorter than its conversion, saying why", () => {
    expect(error(() => sensorsSection.validate({ sht3x: { interval: 14 } }))).toBe(
      "sensors.sht3x.interval: 14 ms is below 15 ms: a high-repeatability single-shot conversion takes up to 15 ms",
    );
    expect(sensorsSection.validate({ sht3x: { interval: 15 } }).sht3x.interval).toBe(15);
    expect(sensorsSection.validate({ sht3x: { interval: 10, repeatability: "medium" } }).sht3x.interval).toBe(10);
  });

  it("refuses an SHT3x interval shorter than its periodic measurement period", () => {
    expect(error(() => sensorsSection.validate({ sht3x: { interval: 500, mode: "periodic", rate: 1 } }))).toBe(
      "sensors.sht3x.interval: 500 ms is below 1000 ms: in periodic mode at 1 mps the chip has a new measurement every 1000 ms",
    );
    expect(sensorsSection.validate({ sht3x: { interval: 100, mode: "periodic", rate: 10 } }).sht3x.rate).toBe(10);
  });

  it("refuses a forced-mode BMP280 interval shorter than its conversion", () => {
    expect(error(() => sensorsSection.validate({ bmp280: { interval: 43 } }))).toBe(
      "sensors.bmp280.interval: 43 ms is below 44 ms: a forced conversion at ×2/×16 oversampling takes up to 44 ms",
    );
    expect(sensorsSection.validate({ bmp280: { interval: 10, mode: "normal" } }).bmp280.interval).toBe(10);
  });

  it("checks the NE 43 thresholds in order, and the stuck band", () => {
    expect(error(() => sensorsSection.validate({ loop: { overRange: 21.5 } }))).toBe("sensors.loop.overRange: 21.5 is above failureHigh 21");
    expect(sensorsSection.validate({ loop: { overRange: 21.5, failureHigh: 22 } }).loop.failureHigh).toBe(22);
    expect(error(() => sensorsSection.validate({ channels: { loop_current: { stuckBand: -1 } } }))).toBe("sensors.channels.loop_current.stuckBand: -1 is below 0");
    expect(sensorsSection.validate({ channels: { loop_current: { stuckAfter: 600, stuckBand: 0.02 } } }).channels.loop_current!.stuckBand).toBe(0.02);
  });

  it("accepts its own defaults", () => {
    expect(sensorsSection.validate(SENSORS_DEFAULTS)).toEqual(SENSORS_DEFAULTS);
  });
});

describe("telemetry settings", () => {
  it("accepts its own defaults and a broker URL", () => {
    expect(telemetrySection.validate(TELEMETRY_DEFAULTS)).toEqual(TELEMETRY_DEFAULTS);
    expect(telemetrySection.validate({ broker: "mqtt://10.0.0.5:1884" }).broker).toBe("mqtt://10.0.0.5:1884");
    expect(parseBroker("mqtt://broker.local")).toEqual({ host: "broker.local", port: 1883 });
    expect(parseBroker("mqtt://[::1]:8883")).toEqual({ host: "::1", port: 8883 });
  });

  it("names the offending field", () => {
    expect(error(() => telemetrySection.validate({ broker: "tcp://x" }))).toBe('telemetry.broker: "tcp://x" is not mqtt://host[:port]');
    expect(error(() => telemetrySection.validate({ prefix: "site/+/x" }))).toMatch(/^telemetry\.prefix: "site\/\+\/x" is not a topic prefix/);
    expect(error(() => telemetrySection.validate({ deviceId: "a b" }))).toMatch(/^telemetry\.deviceId: "a b" is not a device id/);
    expect(error(() => telemetrySection.validate({ qos: 2 }))).toBe("telemetry.qos: 2 is not one of 0, 1");
    expect(error(() => telemetrySection.validate({ reconnectMin: 5000, reconnectMax: 1000 }))).toBe("telemetry.reconnectMax: 1000 is below reconnectMin 5000");
    expect(error(() => telemetrySection.validate({ healthInterval: 500 }))).toBe("telemetry.healthInterval: 500 is below 1000 (or 0 for none)");
  });
});
