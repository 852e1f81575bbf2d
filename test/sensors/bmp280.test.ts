import { describe, expect, it } from "vitest";
import {
  BMP280,
  BMP280_NOT_READY_LIMIT,
  BMP280_NVM_POLLS,
  bmp280Compensate,
  bmp280MeasurementMs,
  bmp280MinimumInterval,
  decodeBmp280Calibration,
} from "../../firmware/sensors/bmp280";
import { SensorError } from "../../firmware/sensors/quality";
import { adcForPressure, adcForTemperature, Bmp280Model, DATASHEET_CALIBRATION } from "../../sim/sensors/bmp280-model";
import { Signal } from "../../sim/sensors/signal";
import { sensorBench, thrown } from "./fixture";

type Bench = ReturnType<typeof sensorBench>;

function open(bench = sensorBench(), options: Partial<ConstructorParameters<typeof BMP280>[0]> = {}) {
  return { ...bench, driver: new BMP280({ sensor: bench.i2c, ...bench.host, ...options }) };
}

/** Opened at 0: id read and soft reset; status polls at 3 (NVM copy still running) and 5 (done), then set up and the first conversion started, at 5. */
const SETUP_DONE = 5;

function ready(bench = sensorBench(), options: Partial<ConstructorParameters<typeof BMP280>[0]> = {}) {
  const b = open(bench, options);
  b.clock.advance(SETUP_DONE);
  expect(b.driver.calibration).toBeDefined();
  return b;
}

/** Another chip in place of the board's BMP280. */
function replaced(options: Partial<ConstructorParameters<typeof Bmp280Model>[0]>) {
  const bench = sensorBench();
  bench.board.bus.detach(0x76);
  const model = new Bmp280Model({ clock: bench.clock, temperature: new Signal({ base: 20 }), pressure: new Signal({ base: 95_000 }), ...options });
  bench.board.bus.attach(model);
  return { ...bench, model };
}

const writes = (bench: Bench, from = 0) => bench.board.bmp280.writes.slice(from).map((w) => [w.at, w.register, w.value]);

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
    expect(bmp280MinimumInterval(2, 16)).toBe(44);
  });
});

describe("BMP280 chip model reset", () => {
  it("does not answer for 2 ms after a soft reset, then shows im_update and zero coefficients until the NVM copy ends at 4 ms", () => {
    const bench = sensorBench();
    const bus = bench.board.bus;
    expect(bus.write(0x76, Uint8Array.of(0xe0, 0xb6))).toBe("ack");
    bench.clock.advance(1.9);
    expect(bus.write(0x76, Uint8Array.of(0xf3))).toBe("nack-address");
    bench.clock.advance(0.1);
    expect(bench.board.bmp280.register(0xf3)).toBe(0x01);
    expect(bench.board.bmp280.register(0x88)).toBe(0);
    bench.clock.advance(2);
    expect(bench.board.bmp280.register(0xf3)).toBe(0x00);
    expect(bench.board.bmp280.register(0x88) | (bench.board.bmp280.register(0x89) << 8)).toBe(DATASHEET_CALIBRATION.T1);
  });
});

describe("BMP280 driver setup", () => {
  it("soft-resets the chip (0xE0 ← 0xB6) once it has read a BMP280's id", () => {
    const bench = open();
    expect(writes(bench)).toEqual([[0, 0xe0, 0xb6]]);
  });

  it("reads the calibration only once im_update has cleared, then configures in sleep mode and starts a forced conversion", () => {
    const bench = open();
    bench.clock.advance(3); // the first status poll: NVM copy still running
    expect(bench.driver.calibration).toBeUndefined();
    expect(bench.driver.sample()).toBeUndefined();
    bench.clock.advance(2);
    expect(bench.driver.calibration).toEqual(DATASHEET_CALIBRATION);
    expect(writes(bench)).toEqual([
      [0, 0xe0, 0xb6],
      [5, 0xf4, (2 << 5) | (5 << 2) | 0],
      [5, 0xf5, (1 << 5) | (0 << 2)],
      [5, 0xf4, (2 << 5) | (5 << 2) | 1],
    ]);
  });

  it(`gives up with 'bus-error' when im_update is still set after ${BMP280_NVM_POLLS} polls, 2 ms apart`, () => {
    const bench = sensorBench();
    bench.board.bmp280.setFault("slow", 100_000); // an NVM copy that does not end
    const { driver, clock } = open(bench);
    clock.advance(3 + 2 * (BMP280_NVM_POLLS - 2));
    expect(driver.sample()).toBeUndefined();
    clock.advance(2);
    const error = thrown(() => driver.sample()) as SensorError;
    expect(error.fault).toBe("bus-error");
    expect(error.message).toBe(`BMP280: NVM copy (im_update) still running after ${BMP280_NVM_POLLS} status reads`);
  });

  it("keeps polling through the start-up time, when the chip does not answer at all", () => {
    const bench = open();
    bench.clock.advance(2);
    bench.board.bmp280.powerCycle(); // a supply glitch: silent until 4, copying until 6
    bench.clock.advance(1);
    expect(bench.board.bus.counters.nacks).toBe(2); // the poll at 3, and the probe that classified it
    expect(bench.driver.calibration).toBeUndefined();
    bench.clock.advance(4); // polls at 5 (copying) and 7
    expect(bench.driver.calibration).toEqual(DATASHEET_CALIBRATION);
  });

  it("reads coefficients that differ from chip to chip", () => {
    const calibration = { ...DATASHEET_CALIBRATION, T1: 27000, P9: 5000 };
    const bench = replaced({ calibration });
    const driver = new BMP280({ sensor: bench.i2c, ...bench.host });
    bench.clock.advance(50);
    expect(driver.calibration).toEqual(calibration);
    const sample = driver.sample()!;
    expect(sample.thermometer.temperature).toBeCloseTo(20, 2);
    expect(sample.barometer.pressure).toBeCloseTo(95_000, 0);
  });

  it("writes config in sleep mode, then starts a forced conversion with the configured oversampling", () => {
    const { board } = ready(undefined, { temperatureOversampling: 1, pressureOversampling: 4, filter: 4, standby: 500 });
    expect(board.bmp280.register(0xf5)).toBe((4 << 5) | (2 << 2));
    expect(board.bmp280.register(0xf4)).toBe((1 << 5) | (3 << 2) | 1);
    expect(board.bmp280.register(0xf3) & 0x08).toBe(0x08);
  });

  it("refuses blank calibration data", () => {
    const bench = replaced({ calibration: { ...DATASHEET_CALIBRATION, P1: 0 } });
    const driver = new BMP280({ sensor: bench.i2c, ...bench.host });
    bench.clock.advance(SETUP_DONE);
    expect((thrown(() => driver.sample()) as SensorError).message).toBe("BMP280: calibration data is blank");
  });
});

describe("BMP280 chip identity", () => {
  it("calls a chip with another id a 'wrong-device' fault, naming the id it read", () => {
    const bench = replaced({ chipId: 0x60 });
    const error = thrown(() => new BMP280({ sensor: bench.i2c, ...bench.host })) as SensorError;
    expect(error.fault).toBe("wrong-device");
    expect(error.message).toBe("BMP280 at 0x76: chip id 0x60 is a BME280, expected a BMP280 (0x58)");
  });

  it("names an id it does not know as such", () => {
    const bench = replaced({ chipId: 0x12 });
    expect((thrown(() => new BMP280({ sensor: bench.i2c, ...bench.host })) as SensorError).message).toBe("BMP280 at 0x76: chip id 0x12, expected a BMP280 (0x58)");
  });

  it("does not reset a chip that is not a BMP280, and frees the address", () => {
    const bench = replaced({ chipId: 0x60 });
    thrown(() => new BMP280({ sensor: bench.i2c, ...bench.host }));
    expect(bench.model.writes).toEqual([]);
    expect(() => new bench.I2C({ data: 21, clock: 22, address: 0x76, hz: 400_000 })).not.toThrow();
  });

  it("accepts the ids of engineering samples, 0x56 and 0x57", () => {
    for (const chipId of [0x56, 0x57]) {
      const bench = replaced({ chipId });
      const driver = new BMP280({ sensor: bench.i2c, ...bench.host });
      bench.clock.advance(50);
      expect(driver.sample()?.barometer.pressure, `0x${chipId.toString(16)}`).toBeCloseTo(95_000, 0);
    }
  });
});

describe("BMP280 driver, forced mode", () => {
  it("delivers compensated temperature and pressure once the conversion is done", () => {
    const { driver, clock } = ready();
    clock.advance(44);
    const sample = driver.sample()!;
    expect(sample.thermometer.temperature).toBeCloseTo(20, 4);
    expect(Math.abs(sample.barometer.pressure - 100_000)).toBeLessThan(0.2);
  });

  it("answers 'not ready' while the 43.2 ms conversion runs", () => {
    const { driver, clock } = ready();
    clock.advance(43);
    expect(driver.sample()).toBeUndefined();
    clock.advance(1);
    expect(driver.sample()).toBeDefined();
  });

  it("starts the next forced conversion after each result and returns the same object", () => {
    const { driver, clock, board } = ready();
    clock.advance(50);
    const first = driver.sample();
    expect(board.bmp280.register(0xf4) & 3).toBe(1);
    clock.advance(50);
    expect(driver.sample()).toBe(first);
  });

  it("stamps each result with the time its conversion was started, and measures at that time", () => {
    const bench = sensorBench({ pressure: { script: [[0, 90_000], [1_000, 110_000]] }, baroTemperature: { base: 15 } });
    const { driver, clock } = ready(bench);
    const c = DATASHEET_CALIBRATION;
    const adcT = adcForTemperature(c, 15);
    const out = new Float64Array(3);
    bmp280Compensate(c, adcT, 0, out);
    const fine = out[2]!;
    clock.runUntil(500);
    expect(driver.sample()!.time).toBe(SETUP_DONE);
    expect(driver.rawPressure).toBe(adcForPressure(c, fine, 90_000 + 20 * SETUP_DONE));
    clock.runUntil(600);
    const sample = driver.sample()!;
    expect(sample.time).toBe(500);
    expect(driver.rawTemperature).toBe(adcT);
    expect(driver.rawPressure).toBe(adcForPressure(c, fine, 100_000));
    bmp280Compensate(c, adcT, driver.rawPressure, out);
    expect(sample.barometer.pressure).toBe(out[1]);
  });

  it("reads the latest result without triggering in normal mode, stamped when read", () => {
    const { driver, clock, board } = ready(undefined, { mode: "normal", standby: 62.5 });
    expect(board.bmp280.register(0xf4) & 3).toBe(3);
    clock.advance(50);
    const sample = driver.sample()!;
    expect(sample.thermometer.temperature).toBeCloseTo(20, 4);
    expect(sample.time).toBe(SETUP_DONE + 50);
    expect(board.bmp280.register(0xf4) & 3).toBe(3);
  });

  it("puts the chip to sleep when closed (ctrl_meas mode 00), keeping its oversampling", () => {
    const bench = ready(undefined, { mode: "normal" });
    bench.clock.advance(100);
    const from = bench.board.bmp280.writes.length;
    bench.driver.close();
    expect(writes(bench, from)).toEqual([[SETUP_DONE + 100, 0xf4, (2 << 5) | (5 << 2) | 0]]);
    expect(bench.board.bmp280.register(0xf4) & 3).toBe(0);
    expect(() => bench.driver.sample()).toThrow("closed");
  });
});

describe("BMP280 driver faults", () => {
  it("throws 'disconnected' from the constructor when nothing answers at 0x76", () => {
    const bench = sensorBench();
    bench.board.inject("bmp280", "disconnect");
    const error = thrown(() => new BMP280({ sensor: bench.i2c, ...bench.host })) as SensorError;
    expect(error.fault).toBe("disconnected");
    expect(error.message).toBe("BMP280 read chip id: no acknowledge from the device");
  });

  it("throws 'disconnected' when the chip leaves the bus", () => {
    const { driver, board, clock } = ready();
    clock.advance(50);
    board.inject("bmp280", "disconnect");
    expect((thrown(() => driver.sample()) as SensorError).fault).toBe("disconnected");
  });

  it("throws 'bus-error' when the chip refuses data bytes (NACK)", () => {
    const { driver, board, clock } = ready();
    clock.advance(50);
    board.inject("bmp280", "nack");
    const error = thrown(() => driver.sample()) as SensorError;
    expect(error.fault).toBe("bus-error");
    expect(error.message).toBe("BMP280 read result: write failed");
  });

  it("reads frozen results from a stuck chip", () => {
    const { driver, board, clock } = ready(sensorBench({ pressure: { base: 100_000, drift: 360_000 }, baroTemperature: { base: 20 } }));
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
    const { driver, board, clock } = ready();
    board.inject("bmp280", "slow");
    clock.advance(50);
    driver.sample(); // the first conversion started before the fault
    clock.advance(100);
    expect(driver.sample()).toBeUndefined();
    clock.advance(400);
    expect(driver.sample()).toBeDefined();
  });

  it(`gives up with 'bus-error' after ${BMP280_NOT_READY_LIMIT} reads without a result`, () => {
    const { driver, board, clock } = ready();
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
