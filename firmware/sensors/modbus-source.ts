/**
 * The sampling loop as a Modbus value source ("sensors"): what the register
 * map binds its blocks to. For every channel:
 *
 * - `<channel>`          the value while its quality is ok; otherwise invalid,
 *                        which the register map answers with exception 04;
 * - `<channel>.quality`  the quality code (0 ok, 1 stale, 2 out of range,
 *                        3 bus error, 4 CRC error, 5 disconnected);
 * - `<channel>.held`     the last good value whatever the quality (invalid
 *                        before the first), for masters that read value and
 *                        quality registers together instead of handling 04;
 * - `<channel>.age`      seconds since that value was produced.
 *
 * For every sensor: `<sensor>.samples`, `.overruns`, `.faults` (bus, CRC and
 * disconnect faults summed), `.recoveries`, `.notReady`.
 */
import type { Clock } from "../host/timer";
import type { SourceProvider, ValueSource } from "../modbus/sources";
import { Quality } from "./quality";
import type { SamplingLoop } from "./sampling-loop";
import { CHANNELS } from "./settings";

export const SENSORS_SOURCE = "sensors";

export function sensorSource(loop: SamplingLoop, clock: Clock): SourceProvider {
  const points: Record<string, ValueSource> = {};
  for (const channel of loop.channels) {
    const name = channel.name;
    points[name] = { read: () => (channel.quality === Quality.Ok ? channel.value : undefined) };
    points[`${name}.quality`] = { read: () => channel.quality };
    points[`${name}.held`] = { read: () => (channel.timestamp < 0 ? undefined : channel.value) };
    points[`${name}.age`] = { read: () => (channel.timestamp < 0 ? undefined : Math.floor((clock.ticks() - channel.timestamp) / 1000)) };
  }
  for (const sensor of loop.sensors) {
    const c = sensor.counters;
    points[`${sensor.name}.samples`] = { read: () => c.samples };
    points[`${sensor.name}.overruns`] = { read: () => sensor.scheduler?.overruns ?? 0 };
    points[`${sensor.name}.faults`] = { read: () => c.busErrors + c.crcErrors + c.disconnects };
    points[`${sensor.name}.recoveries`] = { read: () => c.recoveries };
    points[`${sensor.name}.notReady`] = { read: () => c.notReady };
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
  for (const sensor of ["sht3x", "bmp280", "loop"]) {
    for (const counter of ["samples", "overruns", "faults", "recoveries", "notReady"]) points[`${sensor}.${counter}`] = none;
  }
  return { description: sensorSourceDescription, points };
}
