/**
 * The sensor drivers and the signal path on XS and on Node: the SHT3x,
 * BMP280 and 4–20 mA drivers against the simulator's chip models (which run
 * on XS too), CRC-8, compensation, filters, quality, and the drift-free
 * sampling loop over virtual time. Physics are noiseless linear scripts, so
 * only IEEE arithmetic is involved and both engines must agree exactly; each
 * scenario also checks itself against hand-computed values.
 */
import { BMP280, bmp280Compensate } from "../../../firmware/sensors/bmp280";
import { Channel } from "../../../firmware/sensors/channel";
import { crc8Word } from "../../../firmware/sensors/crc8";
import { ExponentialFilter, MedianFilter, MovingAverageFilter } from "../../../firmware/sensors/filters";
import { LoopCurrent } from "../../../firmware/sensors/loop-current";
import { Quality, qualityName, SensorError } from "../../../firmware/sensors/quality";
import { sensorsSection } from "../../../firmware/sensors/settings";
import { createSamplingLoop } from "../../../firmware/sensors/setup";
import { SHT3x } from "../../../firmware/sensors/sht3x";
import { VirtualClock } from "../../../sim/clock/virtual-clock";
import { PowerDomain } from "../../../sim/device/power-domain";
import { createAnalogClass } from "../../../sim/io/analog";
import { createI2CClass } from "../../../sim/io/i2c";
import { createTimerService } from "../../../sim/io/timer";
import { DATASHEET_CALIBRATION } from "../../../sim/sensors/bmp280-model";
import { BOARD_I2C, BOARD_LOOP_PIN, SimSensorBoard, type SensorPhysics } from "../../../sim/sensors/board";
import { sensirionCrc } from "../../../sim/sensors/sht3x-model";

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
  return { clock, domain, faults, board, i2c, analog };
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

  "SHT3x single shot: soft reset, setup, then exact conversions"() {
    const { clock, board, i2c } = bench();
    const driver = new SHT3x({ sensor: i2c });
    clock.advance(2);
    const setup = driver.sample();
    clock.advance(20);
    const sample = driver.sample()!;
    const commands = board.sht3x.commands.map((c) => c.command.toString(16));
    const result = { setup: setup === undefined, commands, status: driver.status, temperature: sample.thermometer.temperature, humidity: sample.hygrometer.humidity };
    return verified({ ...result, ok: result.temperature === 25 && result.humidity === 20 && commands.join(",") === "30a2,f32d,3041,3066,2400,2400" });
  },

  "SHT3x faults are classified: disconnect, NACK, CRC; a slow conversion is not ready"() {
    const out: Record<string, string> = {};
    for (const fault of ["disconnect", "nack", "crc"] as const) {
      const { clock, board, i2c } = bench();
      const driver = new SHT3x({ sensor: i2c });
      clock.advance(2);
      driver.sample();
      clock.advance(20);
      board.inject("sht3x", fault);
      out[fault] = faultOf(() => driver.sample());
    }
    const slow = bench();
    const driver = new SHT3x({ sensor: slow.i2c });
    slow.clock.advance(2);
    driver.sample();
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

  "BMP280 driver reads the chip's calibration and follows the pressure script"() {
    const { clock, i2c } = bench();
    const driver = new BMP280({ sensor: i2c });
    clock.advance(300_000);
    driver.sample(); // conversion started at 0
    clock.advance(50);
    const sample = driver.sample()!;
    return verified({
      calibration: driver.calibration,
      celsius: round(sample.thermometer.temperature, 4),
      pascal: round(sample.barometer.pressure, 1),
      ok: Math.abs(sample.barometer.pressure - 100_300) < 0.2 && Math.abs(sample.thermometer.temperature - 20) < 0.01,
    });
  },

  "4-20 mA loop: counts, current, scaled value, NE 43 limits"() {
    const { board, analog } = bench();
    const driver = new LoopCurrent({ sensor: analog });
    const normal = driver.sample();
    const result: Record<string, unknown> = { counts: driver.raw, current: round(normal.current, 7), value: round(normal.value, 7), inRange: normal.inRange };
    board.inject("loop", "over");
    result.over = [round(driver.sample().current, 4), driver.sample().inRange];
    board.clear("loop");
    board.inject("loop", "break");
    result.wireBreak = faultOf(() => driver.sample());
    return verified({ ...result, ok: result.counts === 2006 && result.current === 12.0017094 && result.wireBreak === "disconnected: loop current 0.00 mA: wire break" });
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
