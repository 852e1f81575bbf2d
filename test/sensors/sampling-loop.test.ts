import { describe, expect, it } from "vitest";
import { bmp280Compensate } from "../../firmware/sensors/bmp280";
import { sensorSource } from "../../firmware/sensors/modbus-source";
import { Quality, qualityName } from "../../firmware/sensors/quality";
import { MAX_UPDATE_LISTENERS, STALL_TOLERANCE_MS } from "../../firmware/sensors/sampling-loop";
import type { SensorHandle } from "../../firmware/sensors/sensor";
import { sht3xTemperature } from "../../firmware/sensors/sht3x";
import { adcForPressure, adcForTemperature, Bmp280Model, DATASHEET_CALIBRATION } from "../../sim/sensors/bmp280-model";
import { DEFAULT_PHYSICS } from "../../sim/sensors/board";
import { temperatureWord } from "../../sim/sensors/sht3x-model";
import { Signal } from "../../sim/sensors/signal";
import { loopBench } from "./fixture";

const ONLY_SHT3X = { sht3x: { interval: 100 }, bmp280: { enabled: false }, loop: { enabled: false } };
const ONLY_LOOP = { sht3x: { enabled: false }, bmp280: { enabled: false }, loop: { interval: 100 } };
const ONLY_BMP280 = { sht3x: { enabled: false }, bmp280: { interval: 100 }, loop: { enabled: false } };

function quality(bench: ReturnType<typeof loopBench>, channel: string): string {
  return qualityName(bench.loop.channel(channel)!.quality);
}

/** Times at which the driver addressed a chip (every transfer to that address). */
function transfersTo(bench: ReturnType<typeof loopBench>, address: number): number[] {
  const times: number[] = [];
  const bus = bench.board.bus;
  const write = bus.write.bind(bus);
  bus.write = (a, data) => {
    if (a === address && data.length > 0) times.push(bench.clock.now());
    return write(a, data);
  };
  return times;
}

describe("sampling loop", () => {
  it("runs each sensor on its own interval", () => {
    const bench = loopBench({}, DEFAULT_PHYSICS);
    bench.start();
    bench.clock.runUntil(10_000);
    const runs = (name: string) => bench.loop.sensor(name)!.scheduler!.runs;
    expect(runs("loop")).toBe(101); // 0, 100, … 10000
    expect(runs("sht3x")).toBe(10); // 3, 1003, … 9003
    expect(runs("bmp280")).toBe(10); // 7, 1007, … 9007
    expect(bench.loop.overruns).toBe(0);
  });

  it("delivers good values from all six channels of the default configuration", () => {
    const bench = loopBench({}, DEFAULT_PHYSICS);
    bench.start();
    bench.clock.runUntil(5_000);
    const physics = bench.board.signals;
    const expected: Record<string, [string, number, number]> = {
      temperature: ["°C", physics.temperature.ideal(4_903), 0.1],
      humidity: ["%RH", physics.humidity.ideal(4_903), 0.5],
      pressure: ["hPa", physics.pressure.ideal(4_007) / 100, 0.1],
      baro_temperature: ["°C", physics.baroTemperature.ideal(4_007), 0.1],
      loop: ["%", physics.loop.ideal(5_000), 0.2],
      loop_current: ["mA", 4 + (16 * physics.loop.ideal(5_000)) / 100, 0.05],
    };
    expect(bench.loop.channels.map((c) => c.name).sort()).toEqual(Object.keys(expected).sort());
    for (const channel of bench.loop.channels) {
      const [unit, value, tolerance] = expected[channel.name]!;
      expect(qualityName(channel.quality), channel.name).toBe("ok");
      expect(channel.unit, channel.name).toBe(unit);
      expect(Math.abs(channel.value - value), channel.name).toBeLessThan(tolerance);
    }
    expect(bench.log).toEqual([]);
  });

  it("retries a sensor missing at boot with a backoff that doubles up to 30 s", () => {
    const bench = loopBench(ONLY_SHT3X, DEFAULT_PHYSICS);
    const attempts = transfersTo(bench, 0x44);
    bench.board.inject("sht3x", "disconnect");
    bench.start();
    bench.clock.runUntil(120_000);
    expect(attempts).toEqual([3, 103, 303, 703, 1503, 3103, 6303, 12703, 25503, 51103, 81103, 111103]);
    expect(quality(bench, "temperature")).toBe("disconnected");
    expect(bench.loop.sensor("sht3x")!.counters.disconnects).toBe(12);
    expect(bench.log).toEqual(["3 sensor sht3x: disconnected (SHT3x break: no acknowledge from the device); retrying with backoff"]);
  });

  it("counts the backoff from the slot's due time, so a late run does not push the retry a slot further", () => {
    const bench = loopBench(ONLY_SHT3X, DEFAULT_PHYSICS);
    const attempts = transfersTo(bench, 0x44);
    bench.board.inject("sht3x", "disconnect");
    bench.timerClock.stall(303, 1); // the slot due at 303 runs at 304
    bench.start();
    bench.clock.runUntil(1_600);
    expect(attempts).toEqual([3, 103, 304, 703, 1503]);
  });

  it("recovers by itself when a disconnected sensor comes back", () => {
    const bench = loopBench(ONLY_SHT3X, DEFAULT_PHYSICS);
    bench.board.inject("sht3x", "disconnect");
    bench.start();
    bench.clock.runUntil(5_000);
    bench.board.clear("sht3x");
    bench.clock.runUntil(6_402);
    expect(quality(bench, "humidity")).toBe("disconnected");
    bench.clock.runUntil(6_403); // opened at 6303 and set up on its timer by 6314; the first value at 6403
    expect(quality(bench, "humidity")).toBe("ok");
    expect(bench.loop.sensor("sht3x")!.counters.recoveries).toBe(1);
    expect(bench.log.at(-1)).toBe("6403 sensor sht3x: recovered after 6 failed attempts");
  });

  it("reports a NACKing chip as a bus error until it answers again", () => {
    const bench = loopBench(ONLY_SHT3X, DEFAULT_PHYSICS);
    bench.start();
    bench.clock.runUntil(1_000);
    bench.board.inject("sht3x", "nack");
    bench.clock.runUntil(3_000);
    expect(quality(bench, "temperature")).toBe("bus-error");
    expect(bench.loop.channel("temperature")!.value).toBeCloseTo(22.5, 0); // held
    bench.board.clear("sht3x", "nack");
    bench.clock.runUntil(8_000);
    expect(quality(bench, "temperature")).toBe("ok");
    expect(bench.log.map((l) => l.replace(/^\d+ /, ""))).toEqual([
      "sensor sht3x: bus-error (SHT3x start measurement: write failed); retrying with backoff",
      "sensor sht3x: recovered after 5 failed attempts",
    ]);
  });

  it("reports corrupted checksums as a CRC error, and recovers", () => {
    const bench = loopBench(ONLY_SHT3X, DEFAULT_PHYSICS);
    bench.start();
    bench.clock.runUntil(1_000);
    bench.board.inject("sht3x", "crc");
    bench.clock.runUntil(1_003);
    expect(quality(bench, "temperature")).toBe("crc-error");
    expect(bench.loop.sensor("sht3x")!.counters.crcErrors).toBe(1);
    bench.board.clear("sht3x");
    bench.clock.runUntil(2_000);
    expect(quality(bench, "temperature")).toBe("ok");
  });

  it("shows a conversion that never ends as stale first, then as a bus error once the driver gives up", () => {
    const bench = loopBench(ONLY_SHT3X, DEFAULT_PHYSICS);
    bench.start();
    bench.clock.runUntil(1_000);
    bench.board.sht3x.setFault("slow", 100_000);
    bench.clock.runUntil(1_400);
    expect(quality(bench, "temperature")).toBe("stale");
    bench.clock.runUntil(6_100);
    expect(quality(bench, "temperature")).toBe("bus-error");
  });

  it("keeps delivering through a conversion 10 times slower than the datasheet's (150 ms at 100 ms slots)", () => {
    const bench = loopBench(ONLY_SHT3X, DEFAULT_PHYSICS);
    bench.board.inject("sht3x", "slow");
    bench.start();
    bench.clock.runUntil(10_000);
    expect(quality(bench, "temperature")).toBe("ok");
    const counters = bench.loop.sensor("sht3x")!.counters;
    expect(counters.samples).toBe(49); // slots 3, 5 … 99
    expect(counters.notReady).toBe(50); // slots 2, 4 … 98, and slot 1, which set the chip up
  });

  it("calls a stuck chip stale after 50 identical readings", () => {
    const bench = loopBench(ONLY_SHT3X, DEFAULT_PHYSICS);
    bench.start();
    bench.clock.runUntil(1_000);
    bench.board.inject("sht3x", "stuck"); // frozen at the words delivered at 903 ms
    bench.clock.runUntil(5_800);
    expect(quality(bench, "temperature")).toBe("ok");
    bench.clock.runUntil(5_803); // the 50th identical reading: 903, 1003 … 5803
    expect(quality(bench, "temperature")).toBe("stale");
    bench.board.clear("sht3x");
    bench.clock.runUntil(6_003);
    expect(quality(bench, "temperature")).toBe("ok");
  });

  it("reports a 4–20 mA wire break as disconnected, and recovers when the loop is closed", () => {
    const bench = loopBench(ONLY_LOOP, DEFAULT_PHYSICS);
    bench.start();
    bench.clock.runUntil(1_050);
    bench.board.inject("loop", "break");
    bench.clock.runUntil(1_100);
    expect(quality(bench, "loop")).toBe("disconnected");
    bench.clock.runUntil(2_000); // retries at 1200, 1400, 1800, then 2600
    bench.board.clear("loop");
    bench.clock.runUntil(2_699);
    expect(quality(bench, "loop_current")).toBe("disconnected");
    bench.clock.runUntil(2_700); // the retry at 2600 opens the input, 2700 samples it
    expect(quality(bench, "loop_current")).toBe("ok");
  });

  it("marks an over-range loop current (20.8 mA) out of range without backing off", () => {
    const bench = loopBench(ONLY_LOOP, DEFAULT_PHYSICS);
    bench.start();
    bench.clock.runUntil(1_000);
    bench.board.inject("loop", "over");
    const before = bench.loop.sensor("loop")!.counters.samples;
    bench.clock.runUntil(2_000);
    expect(quality(bench, "loop")).toBe("out-of-range");
    // 20.8 mA through 100 Ω reads round(2080 · 4095 / 2450) = 3477 counts
    expect(bench.loop.channel("loop_current")!.reading).toBe((3477 * 2450) / 4095 / 100);
    expect(bench.loop.sensor("loop")!.counters.samples - before).toBe(10);
  });

  it("shows a transmitter's NE 43 failure signal (21.5 mA) as quality 'failure', counted, and recovers", () => {
    const bench = loopBench(ONLY_LOOP, DEFAULT_PHYSICS);
    bench.start();
    bench.clock.runUntil(1_000);
    bench.board.inject("loop", "alarm");
    bench.clock.runUntil(1_100);
    expect(quality(bench, "loop")).toBe("failure");
    expect(quality(bench, "loop_current")).toBe("failure");
    const sensor = bench.loop.sensor("loop")!;
    expect(sensor.counters.deviceFailures).toBe(1);
    expect(bench.log).toEqual(["1100 sensor loop: failure (loop current 21.50 mA: transmitter failure signal (NE 43 failure high, ≥ 21 mA)); retrying with backoff"]);
    bench.board.clear("loop");
    bench.clock.runUntil(1_299); // reopened at 1200, after a backoff of one interval
    expect(quality(bench, "loop")).toBe("failure");
    bench.clock.runUntil(1_300);
    expect(quality(bench, "loop")).toBe("ok");
    expect(bench.log.at(-1)).toBe("1300 sensor loop: recovered after 1 failed attempt");
  });

  it("feeds the watchdog once a second while every sensor keeps its schedule", () => {
    const bench = loopBench({}, DEFAULT_PHYSICS);
    bench.start();
    bench.clock.runUntil(10_000);
    expect(bench.feeds).toEqual([1000, 2000, 3000, 4000, 5000, 6000, 7000, 8000, 9000, 10000]);
  });

  it("keeps feeding while a faulty sensor waits 30 s between retries", () => {
    const bench = loopBench({}, DEFAULT_PHYSICS);
    bench.board.inject("bmp280", "disconnect");
    bench.start();
    bench.clock.runUntil(120_000);
    expect(bench.feeds).toHaveLength(120);
  });

  it("gets the device reset by the task watchdog when the event loop stalls", () => {
    const bench = loopBench({}, DEFAULT_PHYSICS);
    bench.start();
    bench.timerClock.stall(5_500, 20_000); // the JavaScript task is blocked from 5.5 s to 25.5 s
    bench.clock.runUntil(30_000);
    expect(bench.resets).toEqual([15_000]);
  });

  it("stops feeding when one sensor's schedule is lost, and the watchdog resets the device", () => {
    const bench = loopBench({}, DEFAULT_PHYSICS);
    bench.start();
    bench.clock.runUntil(5_050);
    bench.loop.sensor("loop")!.scheduler!.stop();
    bench.clock.runUntil(20_000);
    expect(bench.resets).toEqual([15_000]);
    expect(bench.log).toEqual(["6000 sampling loop: sensor loop is not keeping its schedule; not feeding the watchdog"]);
  });

  it("stops feeding when a sensor's next slot is overdue by more than the stall tolerance", () => {
    const bench = loopBench({}, DEFAULT_PHYSICS);
    bench.start();
    bench.clock.runUntil(5_000);
    const scheduler = bench.loop.sensor("sht3x")!.scheduler!;
    expect(bench.loop.stalledSensor(scheduler.nextDue + STALL_TOLERANCE_MS)).toBeUndefined();
    expect(bench.loop.stalledSensor(scheduler.nextDue + STALL_TOLERANCE_MS + 1)).toBe("sht3x");
  });
});

describe("sampling loop timestamps", () => {
  it("stamps an SHT3x value with the time its conversion was started, one slot before it was read", () => {
    const bench = loopBench({ ...ONLY_SHT3X, sht3x: { interval: 1000 } }, { temperature: { script: [[0, 20], [10_000, 30]] }, humidity: { base: 50 } });
    bench.start();
    bench.clock.runUntil(1_003); // opened at 3, set up on its timer, first conversion started at 14
    const channel = bench.loop.channel("temperature")!;
    expect(channel.timestamp).toBe(14);
    expect(channel.value).toBe(sht3xTemperature(temperatureWord(20 + (10 * 14) / 10_000)));
    bench.clock.runUntil(2_003);
    expect(channel.timestamp).toBe(1_003);
    expect(channel.value).toBe(sht3xTemperature(temperatureWord(20 + (10 * 1_003) / 10_000)));
    expect(channel.changedAt).toBe(1_003); // ok since the first value arrived
  });

  it("stamps a BMP280 value with the time its forced conversion was started", () => {
    const bench = loopBench(ONLY_BMP280, { pressure: { script: [[0, 90_000], [1_000, 110_000]] }, baroTemperature: { base: 15 } });
    bench.start();
    bench.clock.runUntil(507); // opened at 7: reset, NVM polls at 10 and 12, first conversion at 12
    const channel = bench.loop.channel("pressure")!;
    expect(channel.timestamp).toBe(407);
    const c = DATASHEET_CALIBRATION;
    const adcT = adcForTemperature(c, 15);
    const out = new Float64Array(3);
    bmp280Compensate(c, adcT, 0, out);
    bmp280Compensate(c, adcT, adcForPressure(c, out[2]!, 90_000 + 20 * 407), out);
    expect(channel.value).toBe(out[1]! / 100);
    expect(bench.loop.channel("pressure")!.timestamp - bench.loop.sensor("bmp280")!.scheduler!.lastRun).toBe(-100);
  });

  it("stamps a 4–20 mA value with the slot that converted it", () => {
    const bench = loopBench(ONLY_LOOP);
    bench.start();
    bench.clock.runUntil(1_000);
    expect(bench.loop.channel("loop")!.timestamp).toBe(1_000);
  });
});

describe("sampling loop staleness", () => {
  it("does not serve a stale value as ok when a sensor's schedule is lost: its age is checked when read", () => {
    const bench = loopBench(ONLY_LOOP, DEFAULT_PHYSICS);
    bench.start();
    bench.clock.runUntil(1_000);
    bench.loop.sensor("loop")!.scheduler!.stop();
    const modbus = sensorSource(bench.loop, bench.ticks).points;
    bench.clock.runUntil(1_299);
    expect(modbus["loop.quality"]!.read()).toBe(Quality.Ok);
    bench.clock.runUntil(1_300);
    expect(modbus["loop.quality"]!.read()).toBe(Quality.Stale);
    expect(modbus["loop"]!.read()).toBeUndefined();
    expect(modbus["loop.held"]!.read()).toBe(bench.loop.channel("loop")!.value);
  });

  it("allows an I2C value one interval more before it is stale, for the conversion it waits a slot for", () => {
    const bench = loopBench(ONLY_SHT3X);
    expect(bench.loop.channel("temperature")!.staleAfter).toBe(400);
    expect(bench.loop.channel("humidity")!.staleAfter).toBe(400);
    const loop = loopBench(ONLY_LOOP);
    expect(loop.loop.channel("loop")!.staleAfter).toBe(300);
  });
});

describe("sampling loop: a frozen 4–20 mA transmitter", () => {
  /** A process that moves 2 % a second: 0.032 mA between 100 ms samples, more than the band. */
  const RAMP = { ...DEFAULT_PHYSICS, loop: { script: [[0, 0], [50_000, 100]] as Array<[number, number]> } };
  const BAND = { ...ONLY_LOOP, channels: { loop_current: { stuckAfter: 20, stuckBand: 0.02 } } };

  it("keeps reading ADC noise from a frozen transmitter, which exact-equality stuck detection cannot see", () => {
    const bench = loopBench({ ...ONLY_LOOP, channels: { loop_current: { stuckAfter: 20 } } }, RAMP, 0.5);
    bench.start();
    bench.clock.runUntil(5_000);
    bench.board.inject("loop", "stuck");
    const readings = new Set<number>();
    bench.loop.addUpdateListener(() => readings.add(bench.loop.channel("loop_current")!.reading));
    bench.clock.runUntil(15_000);
    expect(quality(bench, "loop_current")).toBe("ok");
    expect(readings.size).toBeGreaterThan(2); // a constant current, read through ±1–2 counts of noise
  });

  it("calls it stale after 20 readings within ±0.02 mA, and ok again once it moves", () => {
    const bench = loopBench(BAND, RAMP, 0.5);
    bench.start();
    bench.clock.runUntil(5_000);
    expect(quality(bench, "loop_current")).toBe("ok");
    bench.board.inject("loop", "stuck"); // frozen at the current of the reading at 5000
    bench.clock.runUntil(6_800);
    expect(quality(bench, "loop_current")).toBe("ok");
    bench.clock.runUntil(6_900); // 5000 and the 19 frozen readings 5100 … 6900
    expect(quality(bench, "loop_current")).toBe("stale");
    expect(quality(bench, "loop")).toBe("ok"); // its own stuck detection is off
    expect(bench.loop.channel("loop_current")!.counters.stale).toBe(1);
    bench.board.clear("loop", "stuck");
    bench.clock.runUntil(7_000);
    expect(quality(bench, "loop_current")).toBe("ok");
  });

  it("does not call a process that keeps moving stuck", () => {
    const bench = loopBench(BAND, RAMP, 0.5);
    bench.start();
    bench.clock.runUntil(45_000);
    expect(bench.loop.channel("loop_current")!.counters.stale).toBe(0);
  });

  it("cannot tell a frozen transmitter from a steady process: it calls the top of a slow wave stuck, so the loop channels leave it off by default", () => {
    const bench = loopBench(BAND, DEFAULT_PHYSICS, 0.5); // 42 % ± 5 % over a minute: flat around 15 s
    bench.start();
    bench.clock.runUntil(30_000);
    expect(bench.loop.channel("loop_current")!.counters.stale).toBeGreaterThan(0);
    expect(loopBench(ONLY_LOOP).loop.channel("loop_current")!.config.stuckAfter).toBe(0);
  });
});

describe("sampling loop chip faults", () => {
  it("calls a chip with the wrong id a 'wrong-device' fault: disconnected, counted apart, logged with the id", () => {
    const bench = loopBench(ONLY_BMP280);
    bench.board.bus.detach(0x76);
    bench.board.bus.attach(new Bmp280Model({ clock: bench.clock, temperature: new Signal({ base: 20 }), pressure: new Signal({ base: 100_000 }), chipId: 0x60 }));
    bench.start();
    bench.clock.runUntil(1_000);
    const sensor = bench.loop.sensor("bmp280")!;
    expect(quality(bench, "pressure")).toBe("disconnected");
    expect(sensor.fault).toBe("wrong-device");
    expect(sensor.counters.wrongDevice).toBe(4); // 7, 107, 307, 707
    expect(sensor.counters.busErrors + sensor.counters.disconnects).toBe(0);
    expect(bench.log).toEqual(["7 sensor bmp280: wrong-device (BMP280 at 0x76: chip id 0x60 is a BME280, expected a BMP280 (0x58)); retrying with backoff"]);
  });

  it("rides out an SHT3x power glitch in periodic mode without a fault: the reset is seen in its status and its setup re-applied", () => {
    const bench = loopBench({ ...ONLY_SHT3X, sht3x: { interval: 100, mode: "periodic", rate: 10, heater: true } });
    bench.start();
    bench.clock.runUntil(1_000);
    bench.board.sht3x.powerCycle();
    bench.clock.runUntil(3_000);
    expect(quality(bench, "temperature")).toBe("ok");
    expect(bench.board.sht3x.mode).toBe("periodic");
    expect(bench.board.sht3x.heater).toBe(true);
    expect(bench.loop.sensor("sht3x")!.counters.busErrors).toBe(0);
    expect(bench.log).toEqual([]);
  });

  it("leaves the chips idle when the loop stops: SHT3x out of periodic mode, heater off; BMP280 asleep", () => {
    const bench = loopBench({ sht3x: { interval: 100, mode: "periodic", rate: 10, heater: true }, bmp280: { interval: 100, mode: "normal" }, loop: { enabled: false } });
    bench.start();
    bench.clock.runUntil(1_000);
    expect(bench.board.sht3x.mode).toBe("periodic");
    expect(bench.board.bmp280.register(0xf4) & 3).toBe(3);
    bench.loop.stop();
    bench.clock.runUntil(1_010);
    expect(bench.board.sht3x.mode).toBe("idle");
    expect(bench.board.sht3x.heater).toBe(false);
    expect(bench.board.bmp280.register(0xf4) & 3).toBe(0);
  });
});

describe("sampling loop update listeners", () => {
  it("notifies every listener after every slot: telemetry and a benchmark can listen at once", () => {
    const bench = loopBench(ONLY_LOOP);
    const first: string[] = [];
    const second: string[] = [];
    bench.loop.addUpdateListener((s) => first.push(s.name));
    bench.loop.onUpdate = (s) => second.push(s.name);
    bench.start();
    bench.clock.runUntil(300);
    expect(first).toEqual(["loop", "loop", "loop", "loop"]);
    expect(second).toEqual(first);
  });

  it("lets onUpdate replace only the listener it set", () => {
    const bench = loopBench(ONLY_LOOP);
    const calls = { kept: 0, replaced: 0, current: 0 };
    bench.loop.addUpdateListener(() => calls.kept++);
    bench.loop.onUpdate = () => calls.replaced++;
    bench.loop.onUpdate = () => calls.current++;
    bench.start();
    bench.clock.runUntil(100);
    expect(calls).toEqual({ kept: 2, replaced: 0, current: 2 });
    bench.loop.onUpdate = undefined;
    bench.clock.runUntil(200);
    expect(calls).toEqual({ kept: 3, replaced: 0, current: 2 });
  });

  it("stops notifying a removed listener", () => {
    const bench = loopBench(ONLY_LOOP);
    let calls = 0;
    const listener = () => calls++;
    bench.loop.addUpdateListener(listener);
    bench.start();
    bench.clock.runUntil(100);
    bench.loop.removeUpdateListener(listener);
    bench.clock.runUntil(500);
    expect(calls).toBe(2);
  });

  it(`has room for ${MAX_UPDATE_LISTENERS} listeners, and says so when a fifth is added`, () => {
    const bench = loopBench(ONLY_LOOP);
    for (let i = 0; i < MAX_UPDATE_LISTENERS; i++) bench.loop.addUpdateListener(() => {});
    expect(() => bench.loop.addUpdateListener(() => {})).toThrow(`sampling loop: no room for a ${MAX_UPDATE_LISTENERS + 1}th update listener`);
  });

  it("counts and logs a listener that throws, and still notifies the others and keeps sampling", () => {
    const bench = loopBench(ONLY_LOOP);
    const seen: SensorHandle[] = [];
    bench.loop.addUpdateListener(() => {
      throw new Error("listener broke");
    });
    bench.loop.addUpdateListener((s) => seen.push(s));
    bench.start();
    bench.clock.runUntil(1_000);
    expect(seen).toHaveLength(11);
    expect(bench.loop.listenerErrors).toBe(11);
    expect(bench.loop.sensor("loop")!.counters.samples).toBe(10);
    expect(bench.log).toEqual(["0 sampling loop: an update listener failed (listener broke)"]);
  });
});
