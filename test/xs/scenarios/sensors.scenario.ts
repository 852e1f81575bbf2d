/**
 * The sensor drivers and the signal path on XS and on Node: the SHT3x,
 * BMP280 and 4–20 mA drivers against the simulator's chip models (which run
 * on XS too) with their timer-driven setups, CRC-8, compensation, filters,
 * quality, NE 43 limits, and the drift-free sampling loop over virtual time,
 * including tick counts past 2^31 (XS keeps integers in 32 bits until they
 * overflow into doubles). Physics are noiseless linear scripts, so
 * only IEEE arithmetic is involved and both engines must agree exactly; each
 * scenario also checks itself against hand-computed values.
 */
import { BMP280, bmp280Compensate } from "../../../firmware/sensors/bmp280";
import { Channel } from "../../../firmware/sensors/channel";
import { crc8Word } from "../../../firmware/sensors/crc8";
import { ExponentialFilter, MedianFilter, MovingAverageFilter } from "../../../firmware/sensors/filters";
import { LoopCurrent } from "../../../firmware/sensors/loop-current";
import { Quality, qualityName, SensorError } from "../../../firmware/sensors/quality";
import { SlotScheduler } from "../../../firmware/sensors/scheduler";
import { sensorsSection } from "../../../firmware/sensors/settings";
import { createSamplingLoop } from "../../../firmware/sensors/setup";
import { SHT3x } from "../../../firmware/sensors/sht3x";
import { VirtualClock } from "../../../sim/clock/virtual-clock";
import { PowerDomain } from "../../../sim/device/power-domain";
import { createAnalogClass } from "../../../sim/io/analog";
import { createI2CClass } from "../../../sim/io/i2c";
import { createTimerService } from "../../../sim/io/timer";
import { Bmp280Model, DATASHEET_CALIBRATION } from "../../../sim/sensors/bmp280-model";
import { BOARD_I2C, BOARD_LOOP_PIN, SimSensorBoard, type SensorPhysics } from "../../../sim/sensors/board";
import { sensirionCrc } from "../../../sim/sensors/sht3x-model";
import { Signal } from "../../../sim/sensors/signal";

const STILL: SensorPhysics = {
  temperature: { base: 25 },
  humidity: { base: 20 },
  pressure: { script: [[0, 100_000], [600_000, 100_600]] },
  baroTemperature: { base: 20 },
  loop: { script: [[0, 50], [600_000, 60]] },
};

function bench(physics: SensorPhysics = STILL) {
  const clock = new VirtualClock();
  const faults: string[] = [];
  const domain = new PowerDomain((error) => faults.push(String(error)));
  const board = new SimSensorBoard({ clock, physics, adcNoise: 0 });
  const i2c = { io: createI2CClass(board.i2c, domain), data: BOARD_I2C.data, clock: BOARD_I2C.clock };
  const analog = { io: createAnalogClass(board.analog, domain), pin: BOARD_LOOP_PIN };
  const host = { timer: createTimerService(clock, domain), clock: { ticks: () => Math.floor(clock.now()) } };
  return { clock, domain, faults, board, i2c, analog, host };
}

/** The commands the SHT3x received, as "hex@ms", "!" marking one it refused. */
function commandLog(board: SimSensorBoard, from = 0): string[] {
  return board.sht3x.commands.slice(from).map((c) => `${c.command.toString(16)}${c.accepted ? "" : "!"}@${c.at}`);
}

const round = (value: number, places: number) => Math.round(value * 10 ** places) / 10 ** places;

function faultOf(fn: () => unknown): string {
  try {
    fn();
    return "none";
  } catch (error) {
    return error instanceof SensorError ? `${error.fault}: ${error.message}` : `other: ${String(error)}`;
  }
}

/** Equal-but-wrong on both engines must fail too: a scenario whose own check fails throws. */
function verified<T extends { ok: boolean }>(result: T): T {
  if (!result.ok) throw new Error(`self-check failed: ${JSON.stringify(result)}`);
  return result;
}

export const scenarios = {
  "CRC-8 gives the datasheet's 0x92 for 0xBEEF and agrees with the model's bitwise CRC on every word"() {
    let disagreements = 0;
    for (let w = 0; w <= 0xffff; w++) if (crc8Word(w) !== sensirionCrc(w >> 8, w & 0xff)) disagreements++;
    return verified({ beef: crc8Word(0xbeef), zero: crc8Word(0), disagreements, ok: crc8Word(0xbeef) === 0x92 && disagreements === 0 });
  },

  "SHT3x single shot: Break, then its setup spaced by the datasheet's waits on a timer, then exact conversions stamped with their start"() {
    const { clock, board, i2c, host } = bench();
    const driver = new SHT3x({ sensor: i2c, ...host });
    clock.advance(3);
    const setup = driver.sample();
    clock.advance(23);
    const sample = driver.sample()!;
    const commands = commandLog(board);
    const result = { setup: setup === undefined, commands, status: driver.status, temperature: sample.thermometer.temperature, humidity: sample.hygrometer.humidity, time: sample.time };
    return verified({
      ...result,
      ok: result.temperature === 25 && result.humidity === 20 && result.time === 11 && commands.join(",") === "3093@0,30a2@2,f32d@5,3041@7,3066@9,2400@11,2400@26",
    });
  },

  "SHT3x status: a reset it did not ask for is seen and its heater re-applied; close stops periodic mode and the heater"() {
    const { clock, board, i2c, host } = bench();
    const driver = new SHT3x({ sensor: i2c, ...host, heater: true });
    clock.advance(26);
    driver.sample(); // converting 26 … 41
    board.sht3x.powerCycle();
    clock.runUntil(50);
    const lost = driver.sample();
    const from = board.sht3x.commands.length;
    clock.runUntil(60);
    const reapplied = commandLog(board, from);
    driver.configure({ mode: "periodic", rate: 10 });
    clock.runUntil(200);
    const periodic = board.sht3x.mode;
    const closing = board.sht3x.commands.length;
    driver.close();
    clock.runUntil(210);
    const closed = commandLog(board, closing);
    const result = { lost: lost === undefined, resets: driver.unexpectedResets, reapplied, periodic, closed, mode: board.sht3x.mode, heater: board.sht3x.heater };
    return verified({
      ...result,
      ok: result.resets === 1 && reapplied.join(",") === "3041@52,306d@54,2400@56" && periodic === "periodic" && closed.join(",") === "3093@200,3066@202" && !result.heater,
    });
  },

  "SHT3x faults are classified: disconnect, NACK, CRC; a slow conversion is not ready"() {
    const out: Record<string, string> = {};
    for (const fault of ["disconnect", "nack", "crc"] as const) {
      const { clock, board, i2c, host } = bench();
      const driver = new SHT3x({ sensor: i2c, ...host });
      clock.advance(26);
      board.inject("sht3x", fault);
      out[fault] = faultOf(() => driver.sample());
    }
    const slow = bench();
    const driver = new SHT3x({ sensor: slow.i2c, ...slow.host });
    slow.clock.advance(11);
    slow.board.inject("sht3x", "slow");
    slow.clock.advance(20);
    out.slowFirst = String(driver.sample() !== undefined);
    slow.clock.advance(20);
    out.slowSecond = driver.sample() === undefined ? "not ready" : "value";
    const expected = {
      disconnect: "disconnected: SHT3x read result: no acknowledge from the device",
      nack: "bus-error: SHT3x start measurement: write failed",
      crc: "crc-error: SHT3x temperature word: CRC mismatch",
      slowFirst: "true",
      slowSecond: "not ready",
    };
    return verified({ out, ok: JSON.stringify(out) === JSON.stringify(expected) });
  },

  "BMP280 compensation reproduces the datasheet's worked example"() {
    const out = new Float64Array(3);
    bmp280Compensate(DATASHEET_CALIBRATION, 519888, 415148, out);
    return verified({ celsius: round(out[0]!, 8), pascal: round(out[1]!, 2), fine: out[2]!, ok: out[2] === 128422 && Math.abs(out[1]! - 100653.27) < 0.015 });
  },

  "BMP280 driver soft-resets the chip, waits for im_update, reads its calibration and follows the pressure script"() {
    const { clock, board, i2c, host } = bench();
    const driver = new BMP280({ sensor: i2c, ...host });
    clock.advance(3);
    const early = driver.calibration === undefined;
    clock.advance(2);
    const writes = board.bmp280.writes.map((w) => `${w.register.toString(16)}=${w.value.toString(16)}@${w.at}`);
    clock.advance(300_000);
    const first = driver.sample()!.time; // the conversion started at 5
    clock.advance(50);
    const sample = driver.sample()!;
    driver.close();
    const sleeping = board.bmp280.register(0xf4) & 3;
    return verified({
      early,
      writes,
      calibration: driver.calibration,
      first,
      time: sample.time,
      celsius: round(sample.thermometer.temperature, 4),
      pascal: round(sample.barometer.pressure, 1),
      sleeping,
      ok:
        early &&
        writes.join(",") === "e0=b6@0,f4=54@5,f5=20@5,f4=55@5" &&
        first === 5 &&
        sample.time === 300_005 &&
        sleeping === 0 &&
        Math.abs(sample.barometer.pressure - 100_300.005) < 0.2 &&
        Math.abs(sample.thermometer.temperature - 20) < 0.01,
    });
  },

  "BMP280 with another chip's id is a 'wrong-device' fault naming the id"() {
    const { board, i2c, host, clock } = bench();
    board.bus.detach(0x76);
    board.bus.attach(new Bmp280Model({ clock, temperature: new Signal({ base: 20 }), pressure: new Signal({ base: 100_000 }), chipId: 0x60 }));
    const fault = faultOf(() => new BMP280({ sensor: i2c, ...host }));
    return verified({ fault, ok: fault === "wrong-device: BMP280 at 0x76: chip id 0x60 is a BME280, expected a BMP280 (0x58)" });
  },

  "4-20 mA loop: counts, current, scaled value, NE 43 limits"() {
    const { board, analog } = bench();
    const driver = new LoopCurrent({ sensor: analog });
    const normal = driver.sample();
    const result: Record<string, unknown> = { counts: driver.raw, current: round(normal.current, 7), value: round(normal.value, 7), inRange: normal.inRange };
    board.inject("loop", "over");
    result.over = [round(driver.sample().current, 4), driver.sample().inRange];
    board.clear("loop");
    board.inject("loop", "alarm");
    result.alarm = faultOf(() => driver.sample());
    board.clear("loop");
    board.inject("loop", "break");
    result.wireBreak = faultOf(() => driver.sample());
    return verified({
      ...result,
      ok:
        result.counts === 2006 &&
        result.current === 12.0017094 &&
        result.alarm === "failure: loop current 21.50 mA: transmitter failure signal (NE 43 failure high, ≥ 21 mA)" &&
        result.wireBreak === "disconnected: loop current 0.00 mA: wire break (NE 43 failure low, ≤ 3.6 mA)",
    });
  },

  "4-20 mA NE 43 boundaries compare exactly: 3.6 failure, 3.8 and 20.5 in range, 21 failure"() {
    const input = { counts: 1200 };
    class SetCounts {
      readonly resolution = 12;
      read(): number {
        return input.counts;
      }
      close(): void {}
    }
    const driver = new LoopCurrent({ sensor: { io: SetCounts, pin: 36 }, fullScale: 4095 });
    const at = (counts: number): string => {
      input.counts = counts;
      try {
        const s = driver.sample();
        return `${s.current}:${s.inRange ? "in" : "out"}`;
      } catch (error) {
        return error instanceof SensorError ? error.fault : "other";
      }
    };
    const levels = [360, 361, 379, 380, 2050, 2051, 2099, 2100].map(at);
    return verified({ levels, ok: levels.join(",") === "disconnected,3.61:out,3.79:out,3.8:in,20.5:in,20.51:out,20.99:out,failure" });
  },

  "slot scheduler keeps its grid across 2^31 ms and goes on after a handler throws"() {
    const clock = new VirtualClock();
    const domain = new PowerDomain(() => {});
    const timer = createTimerService(clock, domain);
    const origin = 2 ** 31 - 50;
    clock.runUntil(origin);
    const dues: number[] = [];
    const scheduler = new SlotScheduler(timer, { ticks: () => Math.floor(clock.now()) }, 10, (slot, due) => {
      dues.push(due - origin);
      if (slot === 5) throw new Error("handler failed");
    });
    scheduler.start(origin);
    clock.runUntil(origin + 99);
    const result = { dues, errors: scheduler.errors, lastRun: scheduler.lastRun, crossed: scheduler.lastRun - 2 ** 31 };
    return verified({ ...result, ok: dues.join(",") === "0,10,20,30,40,50,60,70,80,90" && result.errors === 1 && result.crossed === 40 });
  },

  "filters and calibration match hand-computed values"() {
    const feed = (f: { push(v: number): number }, values: number[]) => values.map((v) => f.push(v));
    const channel = new Channel("t", "°C", { gain: 2, offset: 1, filters: [{ type: "median", size: 3 }, { type: "exponential", alpha: 0.5 }] }, 100);
    const chained = [5, 1, 9, 7].map((r, i) => (channel.accept(r, true, i), channel.value));
    const result = {
      median: feed(new MedianFilter(3), [5, 1, 9, 7]),
      average: feed(new MovingAverageFilter(4), [2, 4, 6, 8, 10]),
      exponential: feed(new ExponentialFilter(0.5), [10, 20, 20, 0]),
      chained, // calibrated 11, 3, 19, 15 → median 11, 7, 11, 15 → smoothed 11, 9, 10, 12.5
    };
    return verified({ ...result, ok: JSON.stringify(result) === JSON.stringify({ median: [5, 3, 5, 7], average: [2, 3, 4, 5, 7], exponential: [10, 15, 17.5, 8.75], chained: [11, 9, 10, 12.5] }) });
  },

  "channel quality moves through stale, out of range and faults"() {
    const channel = new Channel("rh", "%", { min: 0, max: 100, stuckAfter: 3 }, 100);
    const seen: string[] = [qualityName(channel.quality)];
    const note = () => seen.push(qualityName(channel.quality));
    channel.start(0);
    channel.accept(40, true, 0), note();
    channel.missing(300), note();
    channel.accept(41, true, 400), note();
    channel.accept(120, true, 500), note();
    channel.fail(Quality.CrcError, 600), note();
    channel.accept(42, true, 700), channel.accept(42, true, 800), channel.accept(42, true, 900), note();
    return verified({ seen, counters: channel.counters, ok: seen.join() === "stale,ok,stale,ok,out-of-range,crc-error,stale" });
  },

  "ten minutes at 10 Hz with two stalls: exact slots, counted overruns, no drift"() {
    const { clock, domain, board } = bench();
    const timer = createTimerService(
      {
        now: () => clock.now(),
        // the firmware's event loop is blocked 61 050–61 310 ms and 301 050–301 310 ms
        schedule: (at, callback) => clock.schedule((at >= 61_050 && at < 61_310) || (at >= 301_050 && at < 301_310) ? (at < 100_000 ? 61_310 : 301_310) : at, callback),
        cancel: (event) => clock.cancel(event),
      },
      domain,
    );
    const ticks = { ticks: () => Math.floor(clock.now()) };
    const loop = createSamplingLoop(
      {
        timer,
        clock: ticks,
        log: () => {},
        board: { I2C: { default: { io: createI2CClass(board.i2c, domain), ...BOARD_I2C } }, Analog: { default: { io: createAnalogClass(board.analog, domain), pin: BOARD_LOOP_PIN } } },
      },
      sensorsSection.validate({ channels: { temperature: { stuckAfter: 0 }, humidity: { stuckAfter: 0 }, baro_temperature: { stuckAfter: 0 } } }),
    );
    loop.start();
    clock.runUntil(600_000 - 1);
    const s = loop.sensor("loop")!.scheduler!;
    const result = {
      runs: s.runs,
      overruns: s.overruns,
      maxLateness: s.maxLateness,
      lastRun: s.lastRun,
      samples: loop.sensors.map((x) => [x.name, x.counters.samples]),
      qualities: loop.channels.map((c) => [c.name, qualityName(c.quality)]),
      loopValue: round(loop.channel("loop")!.value, 6),
    };
    return verified({ ...result, ok: result.runs === 5_996 && result.overruns === 4 && result.lastRun === 599_900 && result.maxLateness === 10 });
  },
} satisfies Record<string, () => unknown>;
