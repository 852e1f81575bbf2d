import { describe, expect, it } from "vitest";
import {
  BMP280,
  BMP280_NOT_READY_LIMIT,
  bmp280Compensate,
  bmp280MeasurementMs,
  decodeBmp280Calibration,
} from "../../firmware/sensors/bmp280";
import { SensorError } from "../../firmware/sensors/quality";
import { Bmp280Model, DATASHEET_CALIBRATION } from "../../sim/sensors/bmp280-model";
import { Signal } from "../../sim/sensors/signal";
import { sensorBench, thrown } from "./fixture";

function open(bench = sensorBench(), options: Partial<ConstructorParameters<typeof BMP280>[0]> = {}) {
  return { ...bench, driver: new BMP280({ sensor: bench.i2c, ...options }) };
}

describe("BMP280 compensation (datasheet §3.12 worked example, §8.1 double-precision code)", () => {
  const compensate = (calibration = DATASHEET_CALIBRATION as Parameters<typeof bmp280Compensate>[0]) => {
    const out = new Float64Array(3);
    bmp280Compensate(calibration, 519888, 415148, out);
    return { celsius: out[0]!, pascal: out[1]!, fine: out[2]! };
  };

  it("gives t_fine 128422 and 25.08247793 °C for adc_T 519888", () => {
    const { fine, celsius } = compensate();
    expect(fine).toBe(128422);
    expect(celsius.toFixed(8)).toBe("25.08247793");
  });

  it("gives 100653.27 Pa for adc_P 415148 (within 0.015 Pa: the C code truncates t_fine, the example table does not)", () => {
    expect(Math.abs(compensate().pascal - 100653.27)).toBeLessThan(0.015);
  });

  it("gives 0 Pa instead of dividing by zero when dig_P1 is 0", () => {
    expect(compensate({ ...DATASHEET_CALIBRATION, P1: 0 }).pascal).toBe(0);
  });

  it("decodes the 24 calibration bytes little-endian, dig_T1 and dig_P1 unsigned", () => {
    const bytes = Uint8Array.of(0x70, 0x6b, 0x43, 0x67, 0x18, 0xfc, 0x7d, 0x8e, 0x43, 0xd6, 0xd0, 0x0b, 0x27, 0x0b, 0x8c, 0x00, 0xf9, 0xff, 0x8c, 0x3c, 0xf8, 0xc6, 0x70, 0x17);
    expect(decodeBmp280Calibration(bytes)).toEqual(DATASHEET_CALIBRATION);
  });

  it("computes the datasheet's maximum conversion time, 1.25 + 2.3·osrs_t + 2.3·osrs_p + 0.575 ms (Table 13 rounds 43.225 to 43.2)", () => {
    expect(bmp280MeasurementMs(2, 16)).toBeCloseTo(43.225, 10);
    expect(bmp280MeasurementMs(1, 1)).toBeCloseTo(6.425, 10);
  });
});

describe("BMP280 driver", () => {
  it("reads the chip's own calibration coefficients", () => {
    const { driver } = open();
    expect(driver.calibration).toEqual(DATASHEET_CALIBRATION);
  });

  it("reads coefficients that differ from chip to chip", () => {
    const bench = sensorBench();
    bench.board.bus.detach(0x76);
    const calibration = { ...DATASHEET_CALIBRATION, T1: 27000, P9: 5000 };
    bench.board.bus.attach(new Bmp280Model({ clock: bench.clock, temperature: new Signal({ base: 20 }), pressure: new Signal({ base: 95_000 }), calibration }));
    const driver = new BMP280({ sensor: bench.i2c });
    expect(driver.calibration).toEqual(calibration);
    bench.clock.advance(50);
    const sample = driver.sample()!;
    expect(sample.thermometer.temperature).toBeCloseTo(20, 2);
    expect(sample.barometer.pressure).toBeCloseTo(95_000, 0);
  });

  it("writes config in sleep mode, then starts a forced conversion with the configured oversampling", () => {
    const { board } = open(undefined, { temperatureOversampling: 1, pressureOversampling: 4, filter: 4, standby: 500 });
    expect(board.bmp280.register(0xf5)).toBe((4 << 5) | (2 << 2));
    expect(board.bmp280.register(0xf4)).toBe((1 << 5) | (3 << 2) | 1);
    expect(board.bmp280.register(0xf3) & 0x08).toBe(0x08);
  });

  it("delivers compensated temperature and pressure once the conversion is done", () => {
    const { driver, clock } = open();
    clock.advance(44);
    const sample = driver.sample()!;
    expect(sample.thermometer.temperature).toBeCloseTo(20, 4);
    expect(Math.abs(sample.barometer.pressure - 100_000)).toBeLessThan(0.2);
  });

  it("answers 'not ready' while the 43.2 ms conversion runs", () => {
    const { driver, clock } = open();
    clock.advance(43);
    expect(driver.sample()).toBeUndefined();
    clock.advance(1);
    expect(driver.sample()).toBeDefined();
  });

  it("starts the next forced conversion after each result and returns the same object", () => {
    const { driver, clock, board } = open();
    clock.advance(50);
    const first = driver.sample();
    expect(board.bmp280.register(0xf4) & 3).toBe(1);
    clock.advance(50);
    expect(driver.sample()).toBe(first);
  });

  it("follows the simulated pressure", () => {
    const { driver, clock } = open(sensorBench({ pressure: { script: [[0, 90_000], [1_000, 110_000]] }, baroTemperature: { base: 15 } }));
    clock.advance(500);
    driver.sample(); // the conversion started at 0
    clock.advance(100);
    expect(driver.sample()!.barometer.pressure).toBeCloseTo(100_000, 0);
  });

  it("reads the latest result without triggering in normal mode", () => {
    const { driver, clock, board } = open(undefined, { mode: "normal", standby: 62.5 });
    expect(board.bmp280.register(0xf4) & 3).toBe(3);
    clock.advance(50);
    expect(driver.sample()?.thermometer.temperature).toBeCloseTo(20, 4);
    expect(board.bmp280.register(0xf4) & 3).toBe(3);
  });

  it("refuses a chip whose id is not 0x58", () => {
    const bench = sensorBench();
    bench.board.bus.detach(0x76);
    bench.board.bus.attach(new Bmp280Model({ clock: bench.clock, temperature: new Signal(), pressure: new Signal(), chipId: 0x60 }));
    const error = thrown(() => new BMP280({ sensor: bench.i2c })) as SensorError;
    expect(error.fault).toBe("bus-error");
    expect(error.message).toBe("BMP280: unexpected chip id 0x60 (expected 0x58)");
  });

  it("refuses blank calibration data", () => {
    const bench = sensorBench();
    bench.board.bus.detach(0x76);
    const blank = { ...DATASHEET_CALIBRATION, P1: 0 };
    bench.board.bus.attach(new Bmp280Model({ clock: bench.clock, temperature: new Signal(), pressure: new Signal(), calibration: blank }));
    expect((thrown(() => new BMP280({ sensor: bench.i2c })) as SensorError).message).toBe("BMP280: calibration data is blank");
  });
});

describe("BMP280 driver faults", () => {
  it("throws 'disconnected' from the constructor when nothing answers at 0x76", () => {
    const bench = sensorBench();
    bench.board.inject("bmp280", "disconnect");
    const error = thrown(() => new BMP280({ sensor: bench.i2c })) as SensorError;
    expect(error.fault).toBe("disconnected");
    expect(error.message).toBe("BMP280 read chip id: no acknowledge from the device");
  });

  it("throws 'disconnected' when the chip leaves the bus", () => {
    const { driver, board, clock } = open();
    clock.advance(50);
    board.inject("bmp280", "disconnect");
    expect((thrown(() => driver.sample()) as SensorError).fault).toBe("disconnected");
  });

  it("throws 'bus-error' when the chip refuses data bytes (NACK)", () => {
    const { driver, board, clock } = open();
    clock.advance(50);
    board.inject("bmp280", "nack");
    const error = thrown(() => driver.sample()) as SensorError;
    expect(error.fault).toBe("bus-error");
    expect(error.message).toBe("BMP280 read result: write failed");
  });

  it("reads frozen results from a stuck chip", () => {
    const { driver, board, clock } = open(sensorBench({ pressure: { base: 100_000, drift: 360_000 }, baroTemperature: { base: 20 } }));
    clock.advance(50);
    driver.sample();
    board.inject("bmp280", "stuck");
    const seen = new Set<number>();
    for (let i = 0; i < 4; i++) {
      clock.advance(50);
      seen.add(driver.sample()!.barometer.pressure);
    }
    expect(seen.size).toBe(1);
  });

  it("answers 'not ready' through a slow conversion, then delivers", () => {
    const { driver, board, clock } = open();
    board.inject("bmp280", "slow");
    clock.advance(50);
    driver.sample(); // the first conversion started before the fault
    clock.advance(100);
    expect(driver.sample()).toBeUndefined();
    clock.advance(400);
    expect(driver.sample()).toBeDefined();
  });

  it(`gives up with 'bus-error' after ${BMP280_NOT_READY_LIMIT} reads without a result`, () => {
    const { driver, board, clock } = open();
    board.bmp280.setFault("slow", 100_000);
    clock.advance(50);
    driver.sample();
    for (let i = 1; i < BMP280_NOT_READY_LIMIT; i++) {
      clock.advance(100);
      expect(driver.sample()).toBeUndefined();
    }
    clock.advance(100);
    expect((thrown(() => driver.sample()) as SensorError).message).toBe(`BMP280: no result after ${BMP280_NOT_READY_LIMIT} reads`);
  });
});
