import { describe, expect, it } from "vitest";
import { LoopCurrent } from "../../firmware/sensors/loop-current";
import { SensorError } from "../../firmware/sensors/quality";
import { sensorBench, thrown } from "./fixture";

function open(base = 50, options: Partial<ConstructorParameters<typeof LoopCurrent>[0]> = {}) {
  const bench = sensorBench({ loop: { base } });
  return { ...bench, driver: new LoopCurrent({ sensor: bench.analog, ...options }) };
}

describe("4–20 mA loop on an ECMA-419 Analog input", () => {
  it("converts counts to current through the 100 Ω shunt and the 2450 mV full scale", () => {
    // 50 % of 0–100 → 12 mA → 1200 mV → round(1200 · 4095 / 2450) = 2006 counts → 12.0017094 mA
    const { driver } = open(50);
    const sample = driver.sample();
    expect(driver.raw).toBe(2006);
    expect(sample.current).toBeCloseTo(12.0017094, 7);
    expect(sample.value).toBeCloseTo(50.0106838, 7);
    expect(sample.inRange).toBe(true);
  });

  it("scales 4 mA to low and 20 mA to high", () => {
    const low = open(0, { low: -1, high: 1 }).driver.sample(); // 4 mA → 669 counts
    expect(low.current).toBeCloseTo((669 * 2450) / 4095 / 100, 10);
    expect(low.value).toBeCloseTo(-1 + ((low.current - 4) * 2) / 16, 10);
    const high = open(100, { low: -1, high: 1 }).driver.sample(); // 20 mA → 3343 counts
    expect(high.current).toBeCloseTo((3343 * 2450) / 4095 / 100, 10);
    expect(high.value).toBeCloseTo(((3343 * 2450) / 4095 / 100 - 4) / 8 - 1, 10);
  });

  it("reports a wire break (< 3.6 mA) as a 'disconnected' SensorError", () => {
    const { driver, board } = open();
    board.inject("loop", "break");
    const error = thrown(() => driver.sample()) as SensorError;
    expect(error.fault).toBe("disconnected");
    expect(error.message).toBe("loop current 0.00 mA: wire break");
  });

  it("finds an open loop when the input is opened: the constructor throws 'disconnected' and frees the pin", () => {
    const bench = sensorBench({ loop: { base: 50 } });
    bench.board.inject("loop", "break");
    expect((thrown(() => new LoopCurrent({ sensor: bench.analog })) as SensorError).fault).toBe("disconnected");
    bench.board.clear("loop");
    expect(() => new LoopCurrent({ sensor: bench.analog })).not.toThrow();
  });

  it("marks 21.5 mA (NE 43 failure signal) as out of range but still reports it", () => {
    const { driver, board } = open();
    board.inject("loop", "over");
    const sample = driver.sample();
    expect(sample.inRange).toBe(false);
    expect(sample.current).toBeCloseTo(21.5, 2);
  });

  it("marks 3.7 mA as under range, not as a wire break", () => {
    const { driver, board } = open();
    board.inject("loop", "under");
    const sample = driver.sample();
    expect(sample.inRange).toBe(false);
    expect(sample.current).toBeCloseTo(3.7, 2);
  });

  it("accepts currents just inside the NE 43 limits 3.8 and 20.5 mA as in range", () => {
    const under = open(-1.1875).driver.sample(); // 3.81 mA → 637 counts → 3.8112 mA
    expect(under.current).toBeCloseTo((637 * 2450) / 4095 / 100, 10);
    expect(under.inRange).toBe(true);
    const over = open(103.0625).driver.sample(); // 20.49 mA → 3425 counts → 20.4915 mA
    expect(over.current).toBeCloseTo((3425 * 2450) / 4095 / 100, 10);
    expect(over.inRange).toBe(true);
  });

  it("reports a failed ADC conversion as a 'bus-error'", () => {
    const { driver, board } = open();
    board.inject("loop", "adc");
    expect((thrown(() => driver.sample()) as SensorError).fault).toBe("bus-error");
  });

  it("saturates at the ADC full scale (24.5 mA with 100 Ω) and calls it out of range", () => {
    const { driver, board } = open();
    board.loop.faults.forcedCurrent = 30;
    const sample = driver.sample();
    expect(driver.raw).toBe(4095);
    expect(sample.current).toBe(24.5);
    expect(sample.inRange).toBe(false);
  });

  it("takes its thresholds from the configuration", () => {
    const { driver, board } = open(50, { wireBreak: 3.0, underRange: 3.5 });
    board.inject("loop", "under");
    expect(driver.sample().inRange).toBe(true);
    expect(() => driver.configure({ wireBreak: 3.9, underRange: 3.8 })).toThrow(RangeError);
  });

  it("opens the pin once: a second object on the same pin is refused until the first is closed", () => {
    const bench = sensorBench();
    const first = new LoopCurrent({ sensor: bench.analog });
    expect(() => new LoopCurrent({ sensor: bench.analog })).toThrow("in use");
    first.close();
    expect(() => new LoopCurrent({ sensor: bench.analog })).not.toThrow();
  });
});
