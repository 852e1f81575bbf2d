import { describe, expect, it } from "vitest";
import { crc8, crc8Word } from "../../firmware/sensors/crc8";
import { SensorError } from "../../firmware/sensors/quality";
import { SHT3X_NOT_READY_LIMIT, SHT3x, Sht3xCommand, sht3xHumidity, sht3xMinimumInterval, sht3xTemperature } from "../../firmware/sensors/sht3x";
import { PowerDomain } from "../../sim/device/power-domain";
import { createI2CClass } from "../../sim/io/i2c";
import { createTimerService } from "../../sim/io/timer";
import { BOARD_I2C } from "../../sim/sensors/board";
import { humidityWord, sensirionCrc, temperatureWord } from "../../sim/sensors/sht3x-model";
import { sensorBench, thrown } from "./fixture";

type Bench = ReturnType<typeof sensorBench>;
type Options = Partial<ConstructorParameters<typeof SHT3x>[0]>;

const hex = (words: number[]) => words.map((w) => w.toString(16).padStart(4, "0"));
/** The commands the chip received since `from` (an index into its log), as hex, "!" marking one it refused. */
const sent = (bench: Bench, from = 0) => bench.board.sht3x.commands.slice(from).map((c) => `${hex([c.command])[0]}${c.accepted ? "" : "!"}`);
const times = (bench: Bench, from = 0) => bench.board.sht3x.commands.slice(from).map((c) => c.at);

function open(bench = sensorBench(), options: Options = {}) {
  const driver = new SHT3x({ sensor: bench.i2c, ...bench.host, ...options });
  return { ...bench, driver };
}

/** Opened at 0: Break, then on the timer soft reset (2), status (5), clear (7), heater (9), first conversion (11). */
const SETUP_DONE = 11;

function ready(bench = sensorBench(), options: Options = {}) {
  const b = open(bench, options);
  b.clock.advance(SETUP_DONE);
  expect(b.driver.busy).toBe(false);
  return b;
}

/** The same chips after the MCU restarted: a fresh power domain, bus class and timers (the chips keep their state). */
function rebooted(bench: Bench) {
  bench.domain.end();
  const domain = new PowerDomain((error) => bench.faults.push(error));
  const i2c = { io: createI2CClass(bench.board.i2c, domain), data: BOARD_I2C.data, clock: BOARD_I2C.clock };
  const host = { timer: createTimerService(bench.clock, domain), clock: bench.ticks };
  return { ...bench, domain, i2c, host };
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

  it("needs at least the conversion time between single-shot samples, and the period between periodic ones", () => {
    expect([sht3xMinimumInterval("single-shot", "high", 1), sht3xMinimumInterval("single-shot", "medium", 1), sht3xMinimumInterval("single-shot", "low", 1)]).toEqual([15, 6, 4]);
    expect([sht3xMinimumInterval("periodic", "high", 0.5), sht3xMinimumInterval("periodic", "low", 10)]).toEqual([2000, 100]);
  });
});

describe("SHT3x chip model timing", () => {
  const command = (bench: Bench, word: number) => bench.board.bus.write(0x44, Uint8Array.of(word >> 8, word & 0xff));

  it("refuses a command sent less than 1 ms after the one before, and flags it in status bit 1", () => {
    const bench = sensorBench();
    expect(command(bench, Sht3xCommand.HeaterEnable)).toBe("ack");
    bench.clock.advance(0.5);
    expect(command(bench, Sht3xCommand.HeaterDisable)).toBe("nack-data");
    expect(bench.board.sht3x.status & 0x0002).toBe(0x0002);
    bench.clock.advance(0.5);
    expect(command(bench, Sht3xCommand.HeaterDisable)).toBe("ack");
    expect(bench.board.sht3x.status & 0x0002).toBe(0);
  });

  it("refuses a soft reset in periodic mode: Break first, then the reset a millisecond later", () => {
    const bench = sensorBench();
    command(bench, 0x2130);
    bench.clock.advance(5);
    expect(command(bench, Sht3xCommand.SoftReset)).toBe("nack-data");
    bench.clock.advance(1);
    expect(command(bench, Sht3xCommand.Break)).toBe("ack");
    expect(bench.board.sht3x.mode).toBe("idle");
    bench.clock.advance(0.5);
    expect(command(bench, Sht3xCommand.SoftReset)).toBe("nack-address"); // not listening for 1 ms after the Break
    bench.clock.advance(0.5);
    expect(command(bench, Sht3xCommand.SoftReset)).toBe("ack");
  });

  it("acknowledges a corrupted command without processing it, which status bit 1 shows", () => {
    const bench = sensorBench();
    bench.board.sht3x.corruptNextCommands(1);
    expect(command(bench, Sht3xCommand.HeaterEnable)).toBe("ack");
    expect(bench.board.sht3x.heater).toBe(false);
    expect(bench.board.sht3x.status & 0x0002).toBe(0x0002);
  });
});

describe("SHT3x driver setup", () => {
  it("sends Break when constructed, so a periodic mode a previous run left on stops before anything else", () => {
    const bench = open();
    expect(sent(bench)).toEqual(["3093"]);
    expect(bench.driver.busy).toBe(true);
  });

  it("spaces its setup by the datasheet's waits on a timer: reset 2 ms after Break, status 3 ms after the reset, then 2 ms apart", () => {
    const bench = ready();
    expect(sent(bench)).toEqual(["3093", "30a2", "f32d", "3041", "3066", "2400"]);
    expect(times(bench)).toEqual([0, 2, 5, 7, 9, 11]);
  });

  it("checks that the status shows the reset it asked for, then clears it", () => {
    const { driver, board } = ready();
    expect(driver.status).toBe(0x8010);
    expect(board.sht3x.status & 0x8010).toBe(0);
  });

  it("answers 'not ready' while its setup runs, without addressing the chip", () => {
    const bench = open();
    bench.clock.advance(3);
    const before = bench.board.bus.counters.writes + bench.board.bus.counters.reads;
    expect(bench.driver.sample()).toBeUndefined();
    expect(bench.board.bus.counters.writes + bench.board.bus.counters.reads).toBe(before);
  });

  it("waits out a conversion a previous run left in flight: its Break is refused, then sent again", () => {
    const first = ready();
    first.clock.advance(15);
    first.driver.sample(); // t = 26: the next conversion runs until 41
    const bench = rebooted(first);
    const from = bench.board.sht3x.commands.length;
    const driver = new SHT3x({ sensor: bench.i2c, ...bench.host });
    bench.clock.runUntil(41 + 13);
    expect(sent(bench, from)).toEqual(["3093!", "3093!", "3093!", "3093!", "3093!", "3093!", "3093!", "3093!", "3093", "30a2", "f32d", "3041", "3066", "2400"]);
    expect(times(bench, from)).toEqual([26, 28, 30, 32, 34, 36, 38, 40, 42, 44, 47, 49, 51, 53]);
    expect(driver.busy).toBe(false);
  });

  it("throws 'crc-error' when the status register's checksum is wrong at setup", () => {
    const { driver, board, clock } = open();
    board.inject("sht3x", "crc");
    clock.advance(SETUP_DONE);
    expect((thrown(() => driver.sample()) as SensorError).message).toBe("SHT3x status register: CRC mismatch");
  });
});

describe("SHT3x driver, single shot without clock stretching", () => {
  it("reads the conversion and starts the next one on each sample", () => {
    const { board, driver, clock } = ready();
    clock.advance(15);
    const sample = driver.sample();
    expect(sample).toEqual({ thermometer: { temperature: 25 }, hygrometer: { humidity: 20 }, time: SETUP_DONE });
    expect(driver.rawTemperature).toBe(26214);
    expect(driver.rawHumidity).toBe(13107);
    expect(sent({ board } as Bench).at(-1)).toBe("2400");
  });

  it("stamps each result with the time its conversion was started, and measures at that time", () => {
    const bench = sensorBench({ temperature: { script: [[0, 20], [10_000, 30]] }, humidity: { base: 50 } });
    const { driver, clock } = ready(bench);
    clock.runUntil(1_000);
    const first = driver.sample()!;
    expect(first.time).toBe(SETUP_DONE);
    expect(driver.rawTemperature).toBe(temperatureWord(20 + (10 * SETUP_DONE) / 10_000));
    clock.runUntil(2_000);
    const second = driver.sample()!;
    expect(second.time).toBe(1_000);
    expect(driver.rawTemperature).toBe(temperatureWord(21));
    expect(second.thermometer.temperature).toBe(sht3xTemperature(temperatureWord(21)));
    expect(driver.rawHumidity).toBe(humidityWord(50));
  });

  it("returns the same sample object every time (no allocation per sample)", () => {
    const { driver, clock } = ready();
    clock.advance(100);
    const first = driver.sample();
    clock.advance(100);
    expect(driver.sample()).toBe(first);
  });

  it("answers 'not ready' while the 15 ms conversion runs, then the result", () => {
    const { driver, clock } = ready();
    clock.advance(14);
    expect(driver.sample()).toBeUndefined();
    clock.advance(1);
    expect(driver.sample()?.thermometer.temperature).toBe(25);
  });

  it("needs only 4 ms between samples at low repeatability", () => {
    const bench = ready(undefined, { repeatability: "low" });
    expect(sent(bench).at(-1)).toBe("2416");
    expect(bench.driver.minimumInterval).toBe(4);
    bench.clock.advance(4);
    expect(bench.driver.sample()?.hygrometer.humidity).toBe(20);
  });

  it("switches the heater on, which the chip shows in its status and as warmer readings", () => {
    const { driver, clock, board } = ready(undefined, { heater: true });
    expect(board.sht3x.heater).toBe(true);
    expect(board.sht3x.status & 0x2000).toBe(0x2000);
    clock.advance(15);
    expect(driver.sample()!.thermometer.temperature).toBeCloseTo(28, 2);
  });

  it("reconfigures through Break and soft reset once the conversion in flight is over", () => {
    const bench = ready(undefined, { heater: true });
    bench.clock.advance(15);
    bench.driver.sample(); // t = 26, converting until 41
    const from = bench.board.sht3x.commands.length;
    bench.driver.configure({ heater: false });
    expect(bench.driver.sample()).toBeUndefined();
    bench.clock.runUntil(60);
    expect(sent(bench, from)).toEqual(["3093", "30a2", "f32d", "3041", "3066", "2400"]);
    expect(times(bench, from)).toEqual([42, 44, 47, 49, 51, 53]);
    expect(bench.board.sht3x.heater).toBe(false);
    bench.clock.runUntil(68);
    expect(bench.driver.sample()!.thermometer.temperature).toBe(25);
  });
});

describe("SHT3x driver, periodic mode", () => {
  it("starts periodic acquisition at the configured rate and fetches with 0xE000", () => {
    const bench = ready(undefined, { mode: "periodic", rate: 10 });
    expect(sent(bench).at(-1)).toBe("2737");
    bench.clock.advance(100);
    expect(bench.driver.sample()).toEqual({ thermometer: { temperature: 25 }, hygrometer: { humidity: 20 }, time: SETUP_DONE + 100 });
    expect(sent(bench).at(-1)).toBe("e000");
    bench.clock.advance(100);
    expect(bench.driver.sample()?.hygrometer.humidity).toBe(20);
  });

  it("answers 'not ready' when fetched twice within one measurement period", () => {
    const { driver, clock } = ready(undefined, { mode: "periodic", rate: 2 }); // measurements done at 26, 526, 1026 …
    clock.advance(100);
    expect(driver.sample()).toBeDefined();
    clock.advance(100);
    expect(driver.sample()).toBeUndefined();
    clock.advance(400);
    expect(driver.sample()).toBeDefined();
  });

  it("switches from single shot to periodic through Break and a soft reset", () => {
    const bench = ready();
    bench.clock.advance(15);
    bench.driver.configure({ mode: "periodic", rate: 1, repeatability: "medium" });
    const from = bench.board.sht3x.commands.length;
    bench.clock.advance(20);
    expect(sent(bench, from)).toEqual(["3093", "30a2", "f32d", "3041", "3066", "2126"]);
    expect(bench.board.sht3x.mode).toBe("periodic");
  });

  it("leaves periodic mode with Break, and soft-resets 2 ms later", () => {
    const bench = ready(undefined, { mode: "periodic", rate: 4 });
    bench.clock.advance(300);
    const from = bench.board.sht3x.commands.length;
    bench.driver.configure({ mode: "single-shot" });
    bench.clock.advance(20);
    expect(sent(bench, from)).toEqual(["3093", "30a2", "f32d", "3041", "3066", "2400"]);
    expect(times(bench, from)).toEqual([311, 313, 316, 318, 320, 322]);
  });

  it("refuses an unknown rate", () => {
    const { driver } = open();
    expect(() => driver.configure({ rate: 3 as never })).toThrow(RangeError);
  });
});

describe("SHT3x status register", () => {
  it("re-applies heater and conversion after a reset it did not ask for (bit 4), without a fault", () => {
    const bench = ready(undefined, { heater: true });
    bench.clock.advance(15);
    bench.driver.sample(); // converting 26 … 41
    bench.board.sht3x.powerCycle(); // a supply glitch at 26: heater off, conversion lost
    const from = bench.board.sht3x.commands.length;
    bench.clock.runUntil(50);
    expect(bench.driver.sample()).toBeUndefined(); // the result is overdue: status read, 0x8010
    expect(bench.driver.status).toBe(0x8010);
    expect(bench.driver.unexpectedResets).toBe(1);
    bench.clock.runUntil(60);
    expect(sent(bench, from)).toEqual(["f32d", "3041", "306d", "2400"]);
    expect(times(bench, from)).toEqual([50, 52, 54, 56]);
    expect(bench.board.sht3x.heater).toBe(true);
    bench.clock.runUntil(71);
    expect(bench.driver.sample()).toEqual({ thermometer: { temperature: sht3xTemperature(temperatureWord(25 + 3)) }, hygrometer: { humidity: 20 }, time: 56 });
  });

  it("restarts periodic mode after a reset it did not ask for: Fetch Data refused, Break, status, setup", () => {
    const bench = ready(undefined, { mode: "periodic", rate: 10, heater: true });
    bench.clock.advance(100);
    expect(bench.driver.sample()).toBeDefined();
    bench.board.sht3x.powerCycle();
    const from = bench.board.sht3x.commands.length;
    bench.clock.advance(100);
    expect(bench.driver.sample()).toBeUndefined();
    bench.clock.advance(20);
    expect(sent(bench, from)).toEqual(["e000!", "3093", "f32d", "3041", "306d", "2737"]);
    expect(bench.driver.unexpectedResets).toBe(1);
    expect(bench.board.sht3x.mode).toBe("periodic");
    expect(bench.board.sht3x.heater).toBe(true);
  });

  it("reports a command the chip acknowledged but did not process (bit 1) as a bus error", () => {
    const bench = ready();
    bench.clock.advance(15);
    bench.board.sht3x.corruptNextCommands(1);
    bench.driver.sample(); // its start command arrives corrupted
    bench.clock.advance(15);
    const error = thrown(() => bench.driver.sample()) as SensorError;
    expect(error.fault).toBe("bus-error");
    expect(error.message).toBe("SHT3x: last command not processed (status 0x0002)");
  });
});

describe("SHT3x driver close", () => {
  it("stops periodic mode with Break and switches the heater off 2 ms later, then frees the address", () => {
    const bench = ready(undefined, { mode: "periodic", rate: 1, heater: true });
    bench.clock.advance(1_000);
    bench.driver.sample(); // Fetch Data at 1011
    const from = bench.board.sht3x.commands.length;
    bench.driver.close();
    bench.clock.advance(4);
    expect(sent(bench, from)).toEqual(["3093", "3066"]);
    expect(times(bench, from)).toEqual([1_013, 1_015]);
    expect(bench.board.sht3x.mode).toBe("idle");
    expect(bench.board.sht3x.heater).toBe(false);
    expect(() => new SHT3x({ sensor: bench.i2c, ...bench.host })).not.toThrow();
  });

  it("waits for a single-shot conversion in flight before switching the heater off", () => {
    const bench = ready(undefined, { heater: true });
    bench.clock.advance(15);
    bench.driver.sample(); // converting 26 … 41
    const from = bench.board.sht3x.commands.length;
    bench.driver.close();
    bench.clock.runUntil(50);
    expect(sent(bench, from)).toEqual(["3093", "3066"]);
    expect(times(bench, from)).toEqual([42, 44]);
    expect(bench.board.sht3x.heater).toBe(false);
  });

  it("refuses to sample once closed", () => {
    const { driver } = ready();
    driver.close();
    expect(() => driver.sample()).toThrow("closed");
  });

  it("releases the bus as soon as its Break finds the chip gone", () => {
    const bench = ready(); // converting 11 … 26
    bench.board.inject("sht3x", "disconnect");
    bench.driver.close();
    bench.clock.runUntil(27);
    bench.board.clear("sht3x");
    expect(() => new SHT3x({ sensor: bench.i2c, ...bench.host })).not.toThrow();
    expect(sent(bench).slice(-2)).toEqual(["2400", "3093"]);
  });
});

describe("SHT3x driver faults", () => {
  it("throws 'disconnected' from the constructor when no chip answers, and releases the bus address", () => {
    const bench = sensorBench();
    bench.board.inject("sht3x", "disconnect");
    const error = thrown(() => new SHT3x({ sensor: bench.i2c, ...bench.host })) as SensorError;
    expect(error).toBeInstanceOf(SensorError);
    expect(error.fault).toBe("disconnected");
    expect(error.message).toBe("SHT3x break: no acknowledge from the device");
    bench.board.clear("sht3x");
    expect(() => new SHT3x({ sensor: bench.i2c, ...bench.host })).not.toThrow();
  });

  it("throws 'disconnected' from a sample when the chip leaves the bus", () => {
    const { driver, board, clock } = ready();
    clock.advance(15);
    board.inject("sht3x", "disconnect");
    expect((thrown(() => driver.sample()) as SensorError).fault).toBe("disconnected");
  });

  it("throws 'bus-error' when the chip acknowledges its address but refuses commands (NACK)", () => {
    const { driver, board, clock } = ready();
    clock.advance(15);
    board.inject("sht3x", "nack");
    const error = thrown(() => driver.sample()) as SensorError;
    expect(error.fault).toBe("bus-error");
    expect(error.message).toBe("SHT3x start measurement: write failed");
  });

  it("throws 'crc-error' when a result word's checksum is wrong", () => {
    const { driver, board, clock } = ready();
    clock.advance(15);
    board.inject("sht3x", "crc");
    const error = thrown(() => driver.sample()) as SensorError;
    expect(error.fault).toBe("crc-error");
    expect(error.message).toBe("SHT3x temperature word: CRC mismatch");
  });

  it("keeps delivering the frozen words of a stuck chip", () => {
    const bench = sensorBench({ temperature: { base: 20, drift: 3600 }, humidity: { base: 50 } });
    const { driver, clock, board } = ready(bench);
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

  it("answers 'not ready' for a slow conversion, its status command refused while it converts, and delivers once it completes", () => {
    const bench = ready();
    bench.clock.advance(100);
    bench.driver.sample(); // t = 111: converting until 126
    bench.board.inject("sht3x", "slow"); // 150 ms from the next conversion on
    bench.clock.advance(100);
    expect(bench.driver.sample()).toBeDefined(); // t = 211, started before the fault; the next runs until 361
    const from = bench.board.sht3x.commands.length;
    bench.clock.advance(100);
    expect(bench.driver.sample()).toBeUndefined();
    expect(sent(bench, from)).toEqual(["f32d!"]);
    bench.clock.advance(50);
    expect(bench.driver.sample()).toBeDefined();
  });

  it(`gives up with 'bus-error' after ${SHT3X_NOT_READY_LIMIT} reads without a result`, () => {
    const { driver, clock, board } = ready();
    board.sht3x.setFault("slow", 100_000);
    clock.advance(15);
    driver.sample(); // starts a conversion that will not end
    for (let i = 1; i < SHT3X_NOT_READY_LIMIT; i++) {
      clock.advance(100);
      expect(driver.sample()).toBeUndefined();
    }
    clock.advance(100);
    expect((thrown(() => driver.sample()) as SensorError).message).toBe(`SHT3x: no result after ${SHT3X_NOT_READY_LIMIT} reads`);
  });
});
