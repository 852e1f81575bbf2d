import { describe, expect, it } from "vitest";
import type { AnalogIO } from "../../firmware/sensors/io";
import { LoopCurrent } from "../../firmware/sensors/loop-current";
import { SensorError } from "../../firmware/sensors/quality";
import { sensorBench, thrown } from "./fixture";

function open(base = 50, options: Partial<ConstructorParameters<typeof LoopCurrent>[0]> = {}) {
  const bench = sensorBench({ loop: { base } });
  return { ...bench, driver: new LoopCurrent({ sensor: bench.analog, ...options }) };
}

/**
 * An ADC input that reads whatever counts the test sets, scaled so that one
 * count is exactly 10 µA (full scale 4095 mV over 100 Ω): the NE 43
 * thresholds fall on whole counts and compare exactly.
 */
function exactInput() {
  const input = { counts: 1200 };
  class SetCounts implements AnalogIO {
    readonly resolution = 12;
    read(): number {
      return input.counts;
    }
    close(): void {}
  }
  const driver = new LoopCurrent({ sensor: { io: SetCounts, pin: 36 }, fullScale: 4095 });
  const at = (counts: number) => {
    input.counts = counts;
    return driver.sample();
  };
  return { driver, at };
}

describe("4–20 mA loop: NAMUR NE 43 signal levels, at each boundary", () => {
  it("reads 10 µA per count on the exact input, so the thresholds are whole counts", () => {
    const { at } = exactInput();
    expect(at(1200).current).toBe(12);
    expect(at(380).current).toBe(3.8);
  });

  it("calls exactly 3.6 mA a failure low (wire break): 'disconnected'", () => {
    const { at } = exactInput();
    const error = thrown(() => at(360)) as SensorError;
    expect(error.fault).toBe("disconnected");
    expect(error.message).toBe("loop current 3.60 mA: wire break (NE 43 failure low, ≤ 3.6 mA)");
  });

  it("reports 3.61 mA, just above the failure limit, as under range with its value", () => {
    const sample = exactInput().at(361);
    expect([sample.current, sample.inRange]).toEqual([3.61, false]);
    expect(sample.value).toBe(((3.61 - 4) * 100) / 16);
  });

  it("reports 3.79 mA as under range and exactly 3.8 mA as in range", () => {
    const { at } = exactInput();
    expect(at(379).inRange).toBe(false);
    expect(at(380).inRange).toBe(true);
  });

  it("reports exactly 20.5 mA as in range and 20.51 mA as over range", () => {
    const { at } = exactInput();
    expect(at(2050).inRange).toBe(true);
    const over = at(2051);
    expect([over.current, over.inRange]).toEqual([20.51, false]);
    expect(over.value).toBe(((20.51 - 4) * 100) / 16);
  });

  it("reports 20.99 mA as over range, and calls exactly 21 mA a failure high: 'failure'", () => {
    const { at } = exactInput();
    expect(at(2099).inRange).toBe(false);
    const error = thrown(() => at(2100)) as SensorError;
    expect(error.fault).toBe("failure");
    expect(error.message).toBe("loop current 21.00 mA: transmitter failure signal (NE 43 failure high, ≥ 21 mA)");
  });

  it("refuses thresholds out of NE 43's order", () => {
    const { driver } = exactInput();
    expect(() => driver.configure({ overRange: 21.5 })).toThrow("thresholds must satisfy wireBreak ≤ underRange ≤ 4 mA and 20 mA ≤ overRange ≤ failureHigh");
    expect(() => driver.configure({ wireBreak: 3.9, underRange: 3.8 })).toThrow(RangeError);
  });
});

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

  it("reports a wire break (0 mA) as a 'disconnected' SensorError", () => {
    const { driver, board } = open();
    board.inject("loop", "break");
    const error = thrown(() => driver.sample()) as SensorError;
    expect(error.fault).toBe("disconnected");
    expect(error.message).toBe("loop current 0.00 mA: wire break (NE 43 failure low, ≤ 3.6 mA)");
  });

  it("finds an open loop when the input is opened: the constructor throws 'disconnected' and frees the pin", () => {
    const bench = sensorBench({ loop: { base: 50 } });
    bench.board.inject("loop", "break");
    expect((thrown(() => new LoopCurrent({ sensor: bench.analog })) as SensorError).fault).toBe("disconnected");
    bench.board.clear("loop");
    expect(() => new LoopCurrent({ sensor: bench.analog })).not.toThrow();
  });

  it("reports a transmitter's 21.5 mA failure signal as a 'failure' SensorError", () => {
    const { driver, board } = open();
    board.inject("loop", "alarm");
    const error = thrown(() => driver.sample()) as SensorError;
    expect(error.fault).toBe("failure");
    expect(error.message).toBe("loop current 21.50 mA: transmitter failure signal (NE 43 failure high, ≥ 21 mA)");
  });

  it("marks 20.8 mA (over range) as out of range but still reports it", () => {
    const { driver, board } = open();
    board.inject("loop", "over");
    const sample = driver.sample();
    expect(sample.inRange).toBe(false);
    expect(sample.current).toBeCloseTo(20.8, 2);
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

  it("calls a saturated ADC (24.5 mA with 100 Ω) a failure high", () => {
    const { driver, board } = open();
    board.loop.faults.forcedCurrent = 30;
    expect((thrown(() => driver.sample()) as SensorError).fault).toBe("failure");
    expect(driver.raw).toBe(4095);
  });

  it("takes its thresholds from the configuration", () => {
    const { driver, board } = open(50, { wireBreak: 3.0, underRange: 3.5, failureHigh: 22 });
    board.inject("loop", "under");
    expect(driver.sample().inRange).toBe(true);
    board.inject("loop", "alarm");
    expect(driver.sample().inRange).toBe(false);
  });

  it("opens the pin once: a second object on the same pin is refused until the first is closed", () => {
    const bench = sensorBench();
    const first = new LoopCurrent({ sensor: bench.analog });
    expect(() => new LoopCurrent({ sensor: bench.analog })).toThrow("in use");
    first.close();
    expect(() => new LoopCurrent({ sensor: bench.analog })).not.toThrow();
  });
});
