/**
 * Builds the sampling loop from the board's buses and the "sensors" settings:
 * the SHT3x and BMP280 on the board's default I2C bus, the 4–20 mA loop on its
 * default analog input. A sensor whose bus the board does not have is left out
 * (and said so); a sensor that is wired but absent or broken is kept, and
 * reports "disconnected" until it answers.
 */
import type { Clock, TimerService } from "../host/timer";
import { BMP280, type Bmp280Sample } from "./bmp280";
import { Channel } from "./channel";
import type { SensorBoard } from "./io";
import { LoopCurrent, type LoopCurrentSample } from "./loop-current";
import { SamplingLoop } from "./sampling-loop";
import { Sensor, type SensorHandle } from "./sensor";
import { CHANNELS, type SensorsSettings } from "./settings";
import { SHT3x, type Sht3xSample } from "./sht3x";

export interface SensorSetupParts {
  timer: TimerService;
  clock: Clock;
  log: (line: string) => void;
  board: SensorBoard;
  feedWatchdog?: () => void;
}

/** Slot offsets, ms, so the sensors' slots do not fall on the same millisecond. */
const PHASE = { loop: 0, sht3x: 3, bmp280: 7 } as const;

export function createSamplingLoop(parts: SensorSetupParts, settings: SensorsSettings): SamplingLoop {
  const { board, log, timer, clock } = parts;
  const sensors: SensorHandle[] = [];
  // The I2C chips deliver at each slot the conversion started at the slot before: one interval of latency.
  const channel = (name: keyof typeof CHANNELS, interval: number, latency: number, unit = CHANNELS[name]!.unit): Channel =>
    new Channel(name, unit, settings.channels[name] ?? CHANNELS[name]!.config, interval, latency);

  const i2c = board.I2C?.default;
  const { sht3x, bmp280, loop } = settings;
  if (sht3x.enabled) {
    if (i2c === undefined) log("sensors: SHT3x enabled but the board has no I2C bus; left out");
    else {
      const { interval, mode, repeatability, rate, heater, address } = sht3x;
      sensors.push(
        new Sensor<Sht3xSample>({
          name: "sht3x",
          interval,
          phase: PHASE.sht3x,
          open: () => new SHT3x({ sensor: { ...i2c, address }, timer, clock, mode, repeatability, rate, heater }),
          bindings: [
            { channel: channel("temperature", interval, interval), read: (s, r, i) => void (r[i] = s.thermometer.temperature) },
            { channel: channel("humidity", interval, interval), read: (s, r, i) => void (r[i] = s.hygrometer.humidity) },
          ],
        }),
      );
    }
  }
  if (bmp280.enabled) {
    if (i2c === undefined) log("sensors: BMP280 enabled but the board has no I2C bus; left out");
    else {
      const { interval, address, enabled: _enabled, ...configuration } = bmp280;
      sensors.push(
        new Sensor<Bmp280Sample>({
          name: "bmp280",
          interval,
          phase: PHASE.bmp280,
          open: () => new BMP280({ sensor: { ...i2c, address }, timer, clock, ...configuration }),
          bindings: [
            { channel: channel("pressure", interval, interval), read: (s, r, i) => void (r[i] = s.barometer.pressure / 100) },
            { channel: channel("baro_temperature", interval, interval), read: (s, r, i) => void (r[i] = s.thermometer.temperature) },
          ],
        }),
      );
    }
  }
  const analog = board.Analog?.default;
  if (loop.enabled) {
    if (analog === undefined) log("sensors: 4-20 mA loop enabled but the board has no analog input; left out");
    else {
      const { interval, unit, enabled: _enabled, ...configuration } = loop;
      const valid = (s: LoopCurrentSample): boolean => s.inRange;
      sensors.push(
        new Sensor<LoopCurrentSample>({
          name: "loop",
          interval,
          phase: PHASE.loop,
          open: () => new LoopCurrent({ sensor: analog, ...configuration }),
          bindings: [
            { channel: channel("loop", interval, 0, unit), read: (s, r, i) => void (r[i] = s.value), valid },
            { channel: channel("loop_current", interval, 0), read: (s, r, i) => void (r[i] = s.current), valid },
          ],
        }),
      );
    }
  }
  return new SamplingLoop(parts, sensors);
}
