import { describe, expect, it } from "vitest";
import { crc8, crc8Word } from "../../firmware/sensors/crc8";
import { SensorError } from "../../firmware/sensors/quality";
import { SHT3X_NOT_READY_LIMIT, SHT3x, Sht3xCommand, sht3xHumidity, sht3xTemperature } from "../../firmware/sensors/sht3x";
import { sensirionCrc } from "../../sim/sensors/sht3x-model";
import { sensorBench, thrown } from "./fixture";

const hex = (words: number[]) => words.map((w) => w.toString(16).padStart(4, "0"));

function open(bench = sensorBench(), options: Partial<ConstructorParameters<typeof SHT3x>[0]> = {}) {
  const driver = new SHT3x({ sensor: bench.i2c, ...options });
  return { ...bench, driver };
}

/** Runs the two setup steps (status check, first conversion) and waits for the first result. */
function ready(bench = sensorBench(), options: Partial<ConstructorParameters<typeof SHT3x>[0]> = {}) {
  const b = open(bench, options);
  b.clock.advance(2);
  expect(b.driver.sample()).toBeUndefined();
  b.clock.advance(100);
  return b;
}

describe("SHT3x CRC-8 (poly 0x31, init 0xFF)", () => {
  it("gives the datasheet's example: CRC(0xBEEF) = 0x92", () => {
    expect(crc8(Uint8Array.of(0xbe, 0xef))).toBe(0x92);
    expect(crc8Word(0xbeef)).toBe(0x92);
  });

  it("gives 0x81 for a zero word and 0xAC for 0xFFFF", () => {
    expect(crc8Word(0x0000)).toBe(0x81);
    expect(crc8Word(0xffff)).toBe(0xac);
  });

  it("agrees with the chip model's bitwise CRC on all 65536 words", () => {
    let disagreements = 0;
    for (let w = 0; w <= 0xffff; w++) if (crc8Word(w) !== sensirionCrc(w >> 8, w & 0xff)) disagreements++;
    expect(disagreements).toBe(0);
  });

  it("checks a word inside a longer buffer without copying it", () => {
    const frame = Uint8Array.of(0x66, 0x66, 0x93, 0xbe, 0xef, 0x92);
    expect(crc8(frame, 3, 2)).toBe(0x92);
    expect(crc8(frame, 0, 2)).toBe(sensirionCrc(0x66, 0x66));
  });
});

describe("SHT3x conversion (datasheet §4.13)", () => {
  it("maps the raw temperature word onto −45 … 130 °C", () => {
    expect(sht3xTemperature(0)).toBe(-45);
    expect(sht3xTemperature(65535)).toBe(130);
    expect(sht3xTemperature(26214)).toBe(25);
  });

  it("maps the raw humidity word onto 0 … 100 %RH", () => {
    expect(sht3xHumidity(0)).toBe(0);
    expect(sht3xHumidity(65535)).toBe(100);
    expect(sht3xHumidity(13107)).toBe(20);
  });
});

describe("SHT3x driver, single shot without clock stretching", () => {
  it("soft-resets the chip when constructed", () => {
    const { board } = open();
    expect(hex(board.sht3x.commands.map((c) => c.command))).toEqual(["30a2"]);
  });

  it("checks and clears the status, sets the heater and starts a conversion on its first sample", () => {
    const { board, driver, clock } = open();
    clock.advance(2);
    expect(driver.sample()).toBeUndefined();
    expect(hex(board.sht3x.commands.map((c) => c.command))).toEqual(["30a2", "f32d", "3041", "3066", "2400"]);
    expect(driver.status).toBe(0x8010);
    expect(board.sht3x.status & 0x8010).toBe(0);
  });

  it("reads the conversion and starts the next one on each later sample", () => {
    const { board, driver } = ready();
    const sample = driver.sample();
    expect(sample).toEqual({ thermometer: { temperature: 25 }, hygrometer: { humidity: 20 } });
    expect(driver.rawTemperature).toBe(26214);
    expect(driver.rawHumidity).toBe(13107);
    expect(board.sht3x.commands.at(-1)!.command).toBe(Sht3xCommand.SingleShotHigh);
  });

  it("returns the same sample object every time (no allocation per sample)", () => {
    const { driver, clock } = ready();
    const first = driver.sample();
    clock.advance(100);
    expect(driver.sample()).toBe(first);
  });

  it("answers 'not ready' while the 15 ms conversion runs, then the result", () => {
    const { driver, clock } = ready();
    driver.sample();
    clock.advance(14);
    expect(driver.sample()).toBeUndefined();
    clock.advance(1);
    expect(driver.sample()?.thermometer.temperature).toBe(25);
  });

  it("needs only 4 ms between samples at low repeatability", () => {
    const { driver, clock, board } = ready(undefined, { repeatability: "low" });
    driver.sample();
    expect(board.sht3x.commands.at(-1)!.command).toBe(Sht3xCommand.SingleShotLow);
    expect(driver.minimumInterval).toBe(4);
    clock.advance(4);
    expect(driver.sample()?.hygrometer.humidity).toBe(20);
  });

  it("follows the simulated physics", () => {
    const bench = sensorBench({ temperature: { script: [[0, 20], [10_000, 30]] }, humidity: { base: 50 } });
    const { driver, clock } = ready(bench);
    clock.advance(4_898); // t = 5000 ms: the conversion started now reads 25 °C
    driver.sample();
    clock.advance(100);
    const sample = driver.sample()!;
    expect(sample.thermometer.temperature).toBeCloseTo(25, 2);
    expect(sample.hygrometer.humidity).toBeCloseTo(50, 2);
  });

  it("switches the heater on, which the chip shows in its status and as warmer readings", () => {
    const { driver, clock, board } = ready(undefined, { heater: true });
    expect(board.sht3x.heater).toBe(true);
    expect(board.sht3x.status & 0x2000).toBe(0x2000);
    expect(driver.sample()!.thermometer.temperature).toBeCloseTo(28, 2);
    driver.configure({ heater: false });
    clock.advance(20);
    expect(driver.sample()).toBeUndefined(); // soft reset
    clock.advance(20);
    expect(driver.sample()).toBeUndefined(); // setup
    clock.advance(20);
    expect(board.sht3x.heater).toBe(false);
    expect(driver.sample()!.thermometer.temperature).toBe(25);
  });
});

describe("SHT3x driver, periodic mode", () => {
  it("starts periodic acquisition at the configured rate and fetches with 0xE000", () => {
    const { driver, clock, board } = ready(undefined, { mode: "periodic", rate: 10 });
    expect(hex(board.sht3x.commands.map((c) => c.command)).slice(-1)).toEqual(["2737"]);
    expect(driver.sample()?.thermometer.temperature).toBe(25);
    expect(board.sht3x.commands.at(-1)!.command).toBe(Sht3xCommand.FetchData);
    clock.advance(100);
    expect(driver.sample()?.hygrometer.humidity).toBe(20);
  });

  it("answers 'not ready' when fetched twice within one measurement period", () => {
    const { driver, clock } = ready(undefined, { mode: "periodic", rate: 2 });
    expect(driver.sample()).toBeDefined();
    clock.advance(100);
    expect(driver.sample()).toBeUndefined();
    clock.advance(400);
    expect(driver.sample()).toBeDefined();
  });

  it("switches from single shot to periodic through a soft reset", () => {
    const { driver, clock, board } = ready();
    driver.configure({ mode: "periodic", rate: 1, repeatability: "medium" });
    expect(driver.sample()).toBeUndefined();
    expect(board.sht3x.commands.at(-1)!.command).toBe(Sht3xCommand.SoftReset);
    clock.advance(2);
    expect(driver.sample()).toBeUndefined();
    expect(board.sht3x.commands.at(-1)!.command).toBe(0x2126);
    expect(board.sht3x.mode).toBe("periodic");
  });

  it("refuses an unknown rate", () => {
    const { driver } = open();
    expect(() => driver.configure({ rate: 3 as never })).toThrow(RangeError);
  });
});

describe("SHT3x driver faults", () => {
  it("throws 'disconnected' from the constructor when no chip answers, and releases the bus address", () => {
    const bench = sensorBench();
    bench.board.inject("sht3x", "disconnect");
    const error = thrown(() => new SHT3x({ sensor: bench.i2c })) as SensorError;
    expect(error).toBeInstanceOf(SensorError);
    expect(error.fault).toBe("disconnected");
    expect(error.message).toBe("SHT3x soft reset: no acknowledge from the device");
    bench.board.clear("sht3x");
    expect(() => new SHT3x({ sensor: bench.i2c })).not.toThrow();
  });

  it("throws 'disconnected' from a sample when the chip leaves the bus", () => {
    const { driver, board } = ready();
    board.inject("sht3x", "disconnect");
    expect((thrown(() => driver.sample()) as SensorError).fault).toBe("disconnected");
  });

  it("throws 'bus-error' when the chip acknowledges its address but refuses commands (NACK)", () => {
    const { driver, board } = ready();
    board.inject("sht3x", "nack");
    const error = thrown(() => driver.sample()) as SensorError;
    expect(error.fault).toBe("bus-error");
    expect(error.message).toBe("SHT3x start measurement: write failed");
  });

  it("throws 'crc-error' when a result word's checksum is wrong", () => {
    const { driver, board } = ready();
    board.inject("sht3x", "crc");
    const error = thrown(() => driver.sample()) as SensorError;
    expect(error.fault).toBe("crc-error");
    expect(error.message).toBe("SHT3x temperature word: CRC mismatch");
  });

  it("throws 'crc-error' when the status register's checksum is wrong at setup", () => {
    const { driver, board, clock } = open();
    board.inject("sht3x", "crc");
    clock.advance(2);
    expect((thrown(() => driver.sample()) as SensorError).message).toBe("SHT3x status register: CRC mismatch");
  });

  it("keeps delivering the frozen words of a stuck chip", () => {
    const bench = sensorBench({ temperature: { base: 20, drift: 3600 }, humidity: { base: 50 } });
    const { driver, clock, board } = ready(bench);
    driver.sample();
    clock.advance(100);
    const before = driver.sample()!.thermometer.temperature;
    board.inject("sht3x", "stuck");
    const seen = new Set<number>();
    for (let i = 0; i < 5; i++) {
      clock.advance(100);
      seen.add(driver.sample()!.thermometer.temperature);
    }
    expect([...seen]).toEqual([before]);
  });

  it("answers 'not ready' for a slow conversion and delivers once it completes", () => {
    const { driver, clock, board } = ready();
    driver.sample();
    board.inject("sht3x", "slow"); // 150 ms
    clock.advance(100);
    expect(driver.sample()).toBeDefined(); // started before the fault: 15 ms
    clock.advance(100);
    expect(driver.sample()).toBeUndefined();
    clock.advance(50);
    expect(driver.sample()).toBeDefined();
  });

  it(`gives up with 'bus-error' after ${SHT3X_NOT_READY_LIMIT} reads without a result`, () => {
    const { driver, clock, board } = ready();
    board.sht3x.setFault("slow", 100_000);
    driver.sample(); // starts a conversion that will not end
    for (let i = 1; i < SHT3X_NOT_READY_LIMIT; i++) {
      clock.advance(100);
      expect(driver.sample()).toBeUndefined();
    }
    clock.advance(100);
    expect((thrown(() => driver.sample()) as SensorError).message).toBe(`SHT3x: no result after ${SHT3X_NOT_READY_LIMIT} reads`);
  });

  it("refuses to sample once closed", () => {
    const { driver } = ready();
    driver.close();
    expect(() => driver.sample()).toThrow("closed");
  });
});
