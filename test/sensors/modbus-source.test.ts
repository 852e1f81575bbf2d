import { describe, expect, it } from "vitest";
import { DEFAULT_REGISTER_MAP, RESERVED_SENSOR_INPUT_REGISTERS } from "../../firmware/modbus/default-map";
import { describeSources } from "../../firmware/modbus/modbus";
import { compileRegisterMap } from "../../firmware/modbus/register-map";
import { OK, SERVER_DEVICE_FAILURE } from "../../firmware/modbus/sources";
import { SENSOR_REGISTER_BLOCKS } from "../../firmware/sensors/modbus-map";
import { describeSensorSource, sensorSource, SENSORS_SOURCE } from "../../firmware/sensors/modbus-source";
import { Quality } from "../../firmware/sensors/quality";
import { loopBench } from "./fixture";

const NONE = { sht3x: { enabled: false }, bmp280: { enabled: false }, loop: { enabled: false } };

function mapped(settings: unknown = {}) {
  const bench = loopBench(settings);
  const source = sensorSource(bench.loop, bench.ticks);
  const map = compileRegisterMap({ blocks: [...SENSOR_REGISTER_BLOCKS] }, { [SENSORS_SOURCE]: source });
  const read = (address: number, count: number): number | string => {
    const out = new Uint8Array(2 * count);
    const code = map.readRegisters(map.inputRegisters, address, count, out, 0);
    return code === OK ? [...out].map((b) => b.toString(16).padStart(2, "0")).join(" ") : code;
  };
  return { ...bench, source, map, read };
}

describe("Modbus source 'sensors'", () => {
  it("offers every point of every channel with no sensor running (safe mode): quality 5, values invalid, counters 0", () => {
    const { source } = mapped(NONE);
    expect(Object.keys(source.points).sort()).toEqual(Object.keys(describeSensorSource().points).sort());
    expect(source.points["temperature.quality"]!.read()).toBe(Quality.Disconnected);
    expect(source.points["temperature"]!.read()).toBeUndefined();
    expect(source.points["loop_current.held"]!.read()).toBeUndefined();
    expect(source.points["bmp280.samples"]!.read()).toBe(0);
  });

  it("sums every kind of fault into <sensor>.faults", () => {
    const bench = mapped({ sht3x: { enabled: false }, bmp280: { enabled: false }, loop: { interval: 100 } });
    bench.start();
    bench.board.inject("loop", "alarm");
    bench.clock.runUntil(300); // opening fails at 0, 100 and 300 (backoff 100, 200, then 400)
    bench.board.clear("loop");
    bench.board.inject("loop", "break");
    bench.clock.runUntil(700);
    const c = bench.loop.sensor("loop")!.counters;
    expect([c.deviceFailures, c.disconnects]).toEqual([3, 1]);
    expect(bench.source.points["loop.faults"]!.read()).toBe(4);
  });
});

describe("sensor register blocks (input registers 100–125)", () => {
  it("lie inside the input registers the default map keeps for the sensors, and are part of it", () => {
    for (const block of SENSOR_REGISTER_BLOCKS) {
      expect(block.table).toBe("input-registers");
      expect(block.address).toBeGreaterThanOrEqual(RESERVED_SENSOR_INPUT_REGISTERS.first);
      expect(block.address + block.points!.length - 1).toBeLessThanOrEqual(RESERVED_SENSOR_INPUT_REGISTERS.last);
    }
    const sources = describeSources({ [SENSORS_SOURCE]: describeSensorSource() });
    expect(DEFAULT_REGISTER_MAP.blocks.filter((b) => b.source === SENSORS_SOURCE)).toEqual(SENSOR_REGISTER_BLOCKS);
    expect(() => compileRegisterMap(DEFAULT_REGISTER_MAP, sources)).not.toThrow();
  });

  it("serve each channel's value, quality and held value, scaled to int16", () => {
    const bench = mapped();
    bench.start();
    bench.clock.runUntil(2_000);
    // 25.00 °C, 20.00 %RH, 1000.0 hPa, 20.00 °C, 50.01 %, 12.002 mA
    expect(bench.read(100, 6)).toBe("09 c4 07 d0 27 10 07 d0 13 89 2e e2");
    expect(bench.read(110, 6)).toBe("00 00 00 00 00 00 00 00 00 00 00 00");
    expect(bench.read(120, 6)).toBe("09 c4 07 d0 27 10 07 d0 13 89 2e e2");
  });

  it("answer a request that covers a faulty channel's value with exception 04 as a whole; the others still read one at a time", () => {
    const bench = mapped();
    bench.start();
    bench.clock.runUntil(2_000);
    bench.board.inject("sht3x", "disconnect");
    bench.clock.runUntil(3_003);
    expect(bench.read(100, 6)).toBe(SERVER_DEVICE_FAILURE);
    expect(bench.read(100, 1)).toBe(SERVER_DEVICE_FAILURE);
    expect(bench.read(102, 1)).toBe("27 10");
    expect(bench.read(102, 4)).toBe("27 10 07 d0 13 89 2e e2");
  });

  it("keep quality and held values readable in one request through a fault", () => {
    const bench = mapped();
    bench.start();
    bench.clock.runUntil(2_000);
    bench.board.inject("sht3x", "disconnect");
    bench.clock.runUntil(3_003);
    expect(bench.read(110, 6)).toBe("00 05 00 05 00 00 00 00 00 00 00 00");
    expect(bench.read(120, 6)).toBe("09 c4 07 d0 27 10 07 d0 13 89 2e e2");
  });

  it("answer 04 for a held value before its channel's first value, and for a sensor that is not fitted", () => {
    const bench = mapped({ bmp280: { enabled: false } });
    expect(bench.read(120, 1)).toBe(SERVER_DEVICE_FAILURE);
    bench.start();
    bench.clock.runUntil(2_000);
    expect(bench.read(120, 2)).toBe("09 c4 07 d0");
    expect(bench.read(122, 1)).toBe(SERVER_DEVICE_FAILURE);
    expect(bench.read(110, 6)).toBe("00 00 00 00 00 05 00 05 00 00 00 00");
  });
});
