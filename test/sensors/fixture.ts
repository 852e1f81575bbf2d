import { createSamplingLoop } from "../../firmware/sensors/setup";
import { sensorsSection } from "../../firmware/sensors/settings";
import { VirtualClock } from "../../sim/clock/virtual-clock";
import { PowerDomain } from "../../sim/device/power-domain";
import { createAnalogClass } from "../../sim/io/analog";
import { createI2CClass } from "../../sim/io/i2c";
import { createTimerService } from "../../sim/io/timer";
import { TaskWatchdog } from "../../sim/device/task-watchdog";
import { BOARD_I2C, BOARD_LOOP_PIN, SimSensorBoard, type SensorPhysics } from "../../sim/sensors/board";
import { StallingClock } from "./support/stalling-clock";

/** Still air: values that map exactly onto the chips' raw words, no noise. */
export const STILL: SensorPhysics = {
  temperature: { base: 25 },
  humidity: { base: 20 },
  pressure: { base: 100_000 },
  baroTemperature: { base: 20 },
  loop: { base: 50 },
};

/**
 * The reference board's sensors on a virtual clock, with the ECMA-419 classes
 * a host would hand the firmware, and the timer and tick clock the I2C
 * drivers wait with (`host`: spread it into a driver's options).
 */
export function sensorBench(physics: SensorPhysics = STILL, adcNoise = 0) {
  const clock = new VirtualClock();
  const faults: unknown[] = [];
  const domain = new PowerDomain((error) => faults.push(error));
  const board = new SimSensorBoard({ clock, physics, adcNoise });
  const I2C = createI2CClass(board.i2c, domain);
  const Analog = createAnalogClass(board.analog, domain);
  const timer = createTimerService(clock, domain);
  const ticks = { ticks: () => Math.floor(clock.now()) };
  return {
    clock,
    domain,
    faults,
    board,
    I2C,
    Analog,
    timer,
    ticks,
    host: { timer, clock: ticks },
    i2c: { io: I2C, data: BOARD_I2C.data, clock: BOARD_I2C.clock },
    analog: { io: Analog, pin: BOARD_LOOP_PIN },
  };
}

/** Calls `fn`, expecting it to throw; returns what it threw. */
export function thrown(fn: () => unknown): unknown {
  try {
    fn();
  } catch (error) {
    return error;
  }
  throw new Error("expected an exception");
}

/** The sampling loop of the firmware on the simulated board, its timers on a clock that can stall. */
export function loopBench(settings: unknown = {}, physics: SensorPhysics = STILL, adcNoise = 0) {
  const bench = sensorBench(physics, adcNoise);
  /** ESP-IDF's task watchdog (10 s), a hardware timer: it runs on the clock that never stalls. */
  const resets: number[] = [];
  const watchdog = new TaskWatchdog(bench.clock, 10_000, () => resets.push(bench.clock.now()));
  const timerClock = new StallingClock(bench.clock);
  const timer = createTimerService(timerClock, bench.domain);
  const clock = { ticks: () => Math.floor(bench.clock.now()) };
  const log: string[] = [];
  const feeds: number[] = [];
  const loop = createSamplingLoop(
    {
      timer,
      clock,
      log: (line) => log.push(`${bench.clock.now()} ${line}`),
      board: { I2C: { default: bench.i2c }, Analog: { default: bench.analog } },
      feedWatchdog: () => {
        feeds.push(bench.clock.now());
        watchdog.feed();
      },
    },
    sensorsSection.validate(settings),
  );
  /** Starts the loop as the firmware does: the first feed subscribes the task to the watchdog. */
  const start = () => {
    watchdog.feed();
    loop.start();
  };
  return { ...bench, timerClock, timer, ticks: clock, loop, start, log, feeds, resets };
}
