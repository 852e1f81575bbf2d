/**
 * The sensor channels' place in the Modbus register map: input registers
 * 100–125, inside the 100–199 that firmware/modbus/default-map.ts keeps for
 * them. All single registers (int16, big-endian as Modbus sends every
 * register), so no word order applies.
 *
 *   100–105  value of each channel, scaled; exception 04 unless its quality
 *            is ok. One block each: read a channel's register on its own to
 *            keep one faulty sensor from failing the others (a request that
 *            covers any invalid register is answered with 04 as a whole).
 *   110–115  quality code of each channel (0 ok … 6 failure), never invalid:
 *            all six in one request always succeed.
 *   120–125  held value of each channel (the last good one, whatever the
 *            quality, scaled as its value); invalid only before the channel's
 *            first value and for a sensor that is disabled or not fitted.
 *
 * A master that wants values during a fault reads quality (110–115) and held
 * values (120–125); one that wants faults to surface reads 100–105 a register
 * at a time and handles 04.
 *
 * Scales keep every value an int16 over its whole range: temperatures ×100
 * (−40 … 125 °C), humidity ×100, pressure ×10 (300 … 1100 hPa), loop current
 * ×1000 (up to 24.5 mA, where the ADC saturates), the loop's engineering
 * value ×100 (fits while |value| ≤ 327; a wider range needs a smaller scale,
 * or it reads 04).
 */
import type { BlockSpec, PointSpec } from "../modbus/map-schema";
import { SENSORS_SOURCE } from "./modbus-source";

interface ChannelRegister {
  channel: string;
  scale: number;
  unit?: string;
  label: string;
}

const CHANNEL_REGISTERS: readonly ChannelRegister[] = [
  { channel: "temperature", scale: 100, unit: "°C", label: "SHT3x temperature" },
  { channel: "humidity", scale: 100, unit: "%RH", label: "SHT3x relative humidity" },
  { channel: "pressure", scale: 10, unit: "hPa", label: "BMP280 pressure" },
  { channel: "baro_temperature", scale: 100, unit: "°C", label: "BMP280 temperature" },
  { channel: "loop", scale: 100, label: "4–20 mA loop value, in the unit the settings give" },
  { channel: "loop_current", scale: 1000, unit: "mA", label: "4–20 mA loop current" },
];

export const SENSOR_VALUES_ADDRESS = 100;
export const SENSOR_QUALITY_ADDRESS = 110;
export const SENSOR_HELD_ADDRESS = 120;

const QUALITY_CODES = "0 ok, 1 stale, 2 out of range, 3 bus error, 4 CRC error, 5 disconnected, 6 failure";

function value(c: ChannelRegister, point: string, label: string): PointSpec {
  return { point, type: "int16", scale: c.scale, ...(c.unit !== undefined ? { unit: c.unit } : {}), label };
}

/** The sensor blocks for a register map (input registers 100–125). */
export const SENSOR_REGISTER_BLOCKS: readonly BlockSpec[] = [
  ...CHANNEL_REGISTERS.map(
    (c, i): BlockSpec => ({
      name: `sensor-${c.channel}`,
      table: "input-registers",
      address: SENSOR_VALUES_ADDRESS + i,
      source: SENSORS_SOURCE,
      label: `${c.label}; exception 04 unless its quality is ok`,
      points: [value(c, c.channel, `${c.label}; exception 04 unless its quality is ok`)],
    }),
  ),
  {
    name: "sensor-quality",
    table: "input-registers",
    address: SENSOR_QUALITY_ADDRESS,
    source: SENSORS_SOURCE,
    label: `Quality of each channel: ${QUALITY_CODES}`,
    points: CHANNEL_REGISTERS.map(
      (c, i): PointSpec => ({ point: `${c.channel}.quality`, label: `${c.label}: quality (${i === 0 ? QUALITY_CODES : `codes as at ${SENSOR_QUALITY_ADDRESS}`})` }),
    ),
  },
  ...CHANNEL_REGISTERS.map(
    (c, i): BlockSpec => ({
      name: `sensor-${c.channel}-held`,
      table: "input-registers",
      address: SENSOR_HELD_ADDRESS + i,
      source: SENSORS_SOURCE,
      label: `${c.label}: last good value, held through faults`,
      points: [value(c, `${c.channel}.held`, `${c.label}: last good value, held through faults`)],
    }),
  ),
];
