import { describe, expect, it } from "vitest";
import { qualityName } from "../../firmware/sensors/quality";
import { STALL_TOLERANCE_MS } from "../../firmware/sensors/sampling-loop";
import { DEFAULT_PHYSICS } from "../../sim/sensors/board";
import { loopBench } from "./fixture";

const ONLY_SHT3X = { sht3x: { interval: 100 }, bmp280: { enabled: false }, loop: { enabled: false } };
const ONLY_LOOP = { sht3x: { enabled: false }, bmp280: { enabled: false }, loop: { interval: 100 } };

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
    expect(bench.log).toEqual(["3 sensor sht3x: disconnected (SHT3x soft reset: no acknowledge from the device); retrying with backoff"]);
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
    bench.clock.runUntil(6_502);
    expect(quality(bench, "humidity")).toBe("disconnected");
    bench.clock.runUntil(6_503); // opened at 6303, set up at 6403, first value at 6503
    expect(quality(bench, "humidity")).toBe("ok");
    expect(bench.loop.sensor("sht3x")!.counters.recoveries).toBe(1);
    expect(bench.log.at(-1)).toBe("6503 sensor sht3x: recovered after 6 failed attempts");
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

  it("marks an over-range loop current out of range without backing off", () => {
    const bench = loopBench(ONLY_LOOP, DEFAULT_PHYSICS);
    bench.start();
    bench.clock.runUntil(1_000);
    bench.board.inject("loop", "over");
    const before = bench.loop.sensor("loop")!.counters.samples;
    bench.clock.runUntil(2_000);
    expect(quality(bench, "loop")).toBe("out-of-range");
    expect(bench.loop.channel("loop_current")!.reading).toBeCloseTo(21.5, 1);
    expect(bench.loop.sensor("loop")!.counters.samples - before).toBe(10);
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
