/**
 * The sampling loop as a Modbus value source ("sensors"): what the register
 * map binds its blocks to. For every channel:
 *
 * - `<channel>`          the value while its quality is ok; otherwise invalid,
 *                        which the register map answers with exception 04;
 * - `<channel>.quality`  the quality code (0 ok, 1 stale, 2 out of range,
 *                        3 bus error, 4 CRC error, 5 disconnected, 6 failure);
 * - `<channel>.held`     the last good value whatever the quality (invalid
 *                        before the first), for masters that read value and
 *                        quality registers together instead of handling 04;
 * - `<channel>.age`      seconds since that value was produced.
 *
 * For every sensor: `<sensor>.samples`, `.overruns`, `.faults` (every fault
 * summed: bus, CRC, disconnect, wrong device, device failure), `.recoveries`,
 * `.notReady`.
 *
 * Every point of every channel this firmware knows exists whether or not its
 * sensor runs, so one register map serves every configuration (and safe
 * mode, which runs no sensors): a channel that is not running reads quality
 * 5 (disconnected), invalid values and zero counters.
 *
 * A register read answers exception 04 as soon as any point it covers is
 * invalid, so a request spanning several channels' values fails with the
 * first faulty channel; docs/sensors.md says how to lay out blocks for that.
 */
import type { Clock } from "../host/timer";
import type { SourceProvider, ValueSource } from "../modbus/sources";
import { Quality } from "./quality";
import type { SamplingLoop } from "./sampling-loop";
import { CHANNELS } from "./settings";

export const SENSORS_SOURCE = "sensors";

const SENSOR_NAMES = ["sht3x", "bmp280", "loop"] as const;
const COUNTERS = ["samples", "overruns", "faults", "recoveries", "notReady"] as const;

export function sensorSource(loop: SamplingLoop, clock: Clock): SourceProvider {
  const points: Record<string, ValueSource> = {};
  const absent = { read: () => undefined };
  const zero = { read: () => 0 };
  for (const name of Object.keys(CHANNELS)) {
    const channel = loop.channel(name);
    if (channel === undefined) {
      points[name] = absent;
      points[`${name}.quality`] = { read: () => Quality.Disconnected };
      points[`${name}.held`] = absent;
      points[`${name}.age`] = absent;
      continue;
    }
    points[name] = { read: () => (channel.quality === Quality.Ok ? channel.value : undefined) };
    points[`${name}.quality`] = { read: () => channel.quality };
    points[`${name}.held`] = { read: () => (channel.timestamp < 0 ? undefined : channel.value) };
    points[`${name}.age`] = { read: () => (channel.timestamp < 0 ? undefined : Math.floor((clock.ticks() - channel.timestamp) / 1000)) };
  }
  for (const name of SENSOR_NAMES) {
    const sensor = loop.sensor(name);
    if (sensor === undefined) {
      for (const counter of COUNTERS) points[`${name}.${counter}`] = zero;
      continue;
    }
    const c = sensor.counters;
    points[`${name}.samples`] = { read: () => c.samples };
    points[`${name}.overruns`] = { read: () => sensor.scheduler?.overruns ?? 0 };
    points[`${name}.faults`] = { read: () => c.busErrors + c.crcErrors + c.disconnects + c.wrongDevice + c.deviceFailures };
    points[`${name}.recoveries`] = { read: () => c.recoveries };
    points[`${name}.notReady`] = { read: () => c.notReady };
  }
  return { description: sensorSourceDescription, points };
}

const sensorSourceDescription = "sensor channels: value (invalid unless quality is ok), quality code, held value, age; per-sensor counters";

/**
 * The "sensors" source with every point this firmware can offer and no values:
 * for checking a register map before it is given to a device (the simulator's
 * --register-map, the technician tools), as firmware/modbus describeSources().
 */
export function describeSensorSource(): SourceProvider {
  const points: Record<string, ValueSource> = {};
  const none = { read: () => undefined };
  for (const name of Object.keys(CHANNELS)) {
    for (const suffix of ["", ".quality", ".held", ".age"]) points[`${name}${suffix}`] = none;
  }
  for (const sensor of SENSOR_NAMES) {
    for (const counter of COUNTERS) points[`${sensor}.${counter}`] = none;
  }
  return { description: sensorSourceDescription, points };
}
