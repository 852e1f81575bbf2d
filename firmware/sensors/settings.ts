/**
 * The "sensors" settings section: which sensors run, how often, how the chips
 * are configured, and each channel's signal path. Stored documents may give
 * only what differs from these defaults.
 */
import { SettingsError, type SettingsSection } from "../config/settings";
import { bmp280MinimumInterval, type Bmp280Filter, type Bmp280Oversampling, type Bmp280Standby } from "./bmp280";
import { CHANNEL_DEFAULTS, type ChannelConfig } from "./channel";
import { MAX_WINDOW, type FilterSpec } from "./filters";
import { sht3xMinimumInterval, type Sht3xMode, type Sht3xRate, type Sht3xRepeatability } from "./sht3x";
import {
  booleanField,
  choiceField,
  nullableNumberField,
  numberField,
  onlyKeys,
  record,
  stringField,
} from "./validate";

export interface Sht3xSettings {
  enabled: boolean;
  address: number;
  interval: number;
  mode: Sht3xMode;
  repeatability: Sht3xRepeatability;
  rate: Sht3xRate;
  heater: boolean;
}

export interface Bmp280Settings {
  enabled: boolean;
  address: number;
  interval: number;
  mode: "forced" | "normal";
  temperatureOversampling: Bmp280Oversampling;
  pressureOversampling: Bmp280Oversampling;
  filter: Bmp280Filter;
  standby: Bmp280Standby;
}

export interface LoopSettings {
  enabled: boolean;
  interval: number;
  /** Unit of the engineering value ("bar", "m", "%"). */
  unit: string;
  /** Engineering value at 4 mA and at 20 mA. */
  low: number;
  high: number;
  shunt: number;
  fullScale: number;
  wireBreak: number;
  underRange: number;
  overRange: number;
  failureHigh: number;
}

export interface SensorsSettings {
  sht3x: Sht3xSettings;
  bmp280: Bmp280Settings;
  loop: LoopSettings;
  /** Signal path per channel name; see CHANNELS for the names. */
  channels: Record<string, ChannelConfig>;
}

/** Every channel the firmware can produce, with its unit (the loop's is configurable) and default signal path. */
export const CHANNELS: Readonly<Record<string, { sensor: "sht3x" | "bmp280" | "loop"; unit: string; config: ChannelConfig }>> = {
  temperature: { sensor: "sht3x", unit: "°C", config: { ...CHANNEL_DEFAULTS, min: -40, max: 125, stuckAfter: 50, delta: 0.5 } },
  humidity: { sensor: "sht3x", unit: "%RH", config: { ...CHANNEL_DEFAULTS, min: 0, max: 100, stuckAfter: 50, delta: 2 } },
  pressure: { sensor: "bmp280", unit: "hPa", config: { ...CHANNEL_DEFAULTS, min: 300, max: 1100, stuckAfter: 50, delta: 1 } },
  baro_temperature: { sensor: "bmp280", unit: "°C", config: { ...CHANNEL_DEFAULTS, min: -40, max: 85, stuckAfter: 50, delta: 0.5 } },
  loop: { sensor: "loop", unit: "%", config: { ...CHANNEL_DEFAULTS, decimals: 3, delta: 1 } },
  loop_current: { sensor: "loop", unit: "mA", config: { ...CHANNEL_DEFAULTS, decimals: 3 } },
};

export const SENSORS_DEFAULTS: SensorsSettings = {
  sht3x: { enabled: true, address: 0x44, interval: 1000, mode: "single-shot", repeatability: "high", rate: 1, heater: false },
  bmp280: {
    enabled: true,
    address: 0x76,
    interval: 1000,
    mode: "forced",
    temperatureOversampling: 2,
    pressureOversampling: 16,
    filter: 0,
    standby: 62.5,
  },
  loop: { enabled: true, interval: 100, unit: "%", low: 0, high: 100, shunt: 100, fullScale: 2450, wireBreak: 3.6, underRange: 3.8, overRange: 20.5, failureHigh: 21 },
  channels: Object.fromEntries(Object.entries(CHANNELS).map(([name, c]) => [name, c.config])),
};

const INTERVAL = { min: 10, max: 3_600_000, integer: true };
const OVERSAMPLING: readonly Bmp280Oversampling[] = [1, 2, 4, 8, 16];

function sht3x(value: unknown, d: Sht3xSettings, path: string): Sht3xSettings {
  const v = record(value, path);
  onlyKeys(v, Object.keys(d), path);
  const result: Sht3xSettings = {
    enabled: booleanField(v, "enabled", d.enabled, path),
    address: choiceField(v, "address", d.address, [0x44, 0x45], path),
    interval: numberField(v, "interval", d.interval, path, INTERVAL),
    mode: choiceField(v, "mode", d.mode, ["single-shot", "periodic"], path),
    repeatability: choiceField(v, "repeatability", d.repeatability, ["high", "medium", "low"], path),
    rate: choiceField(v, "rate", d.rate, [0.5, 1, 2, 4, 10], path),
    heater: booleanField(v, "heater", d.heater, path),
  };
  const minimum = sht3xMinimumInterval(result.mode, result.repeatability, result.rate);
  if (result.interval < minimum) {
    const why =
      result.mode === "single-shot"
        ? `a ${result.repeatability}-repeatability single-shot conversion takes up to ${minimum} ms`
        : `in periodic mode at ${result.rate} mps the chip has a new measurement every ${minimum} ms`;
    throw new SettingsError(`${path}.interval: ${result.interval} ms is below ${minimum} ms: ${why}`);
  }
  return result;
}

function bmp280(value: unknown, d: Bmp280Settings, path: string): Bmp280Settings {
  const v = record(value, path);
  onlyKeys(v, Object.keys(d), path);
  const result: Bmp280Settings = {
    enabled: booleanField(v, "enabled", d.enabled, path),
    address: choiceField(v, "address", d.address, [0x76, 0x77], path),
    interval: numberField(v, "interval", d.interval, path, INTERVAL),
    mode: choiceField(v, "mode", d.mode, ["forced", "normal"], path),
    temperatureOversampling: choiceField(v, "temperatureOversampling", d.temperatureOversampling, OVERSAMPLING, path),
    pressureOversampling: choiceField(v, "pressureOversampling", d.pressureOversampling, OVERSAMPLING, path),
    filter: choiceField(v, "filter", d.filter, [0, 2, 4, 8, 16], path),
    standby: choiceField(v, "standby", d.standby, [0.5, 62.5, 125, 250, 500, 1000, 2000, 4000], path),
  };
  if (result.mode === "forced") {
    const minimum = bmp280MinimumInterval(result.temperatureOversampling, result.pressureOversampling);
    if (result.interval < minimum) {
      throw new SettingsError(
        `${path}.interval: ${result.interval} ms is below ${minimum} ms: a forced conversion at ×${result.temperatureOversampling}/×${result.pressureOversampling} oversampling takes up to ${minimum} ms`,
      );
    }
  }
  return result;
}

function loop(value: unknown, d: LoopSettings, path: string): LoopSettings {
  const v = record(value, path);
  onlyKeys(v, Object.keys(d), path);
  const result: LoopSettings = {
    enabled: booleanField(v, "enabled", d.enabled, path),
    interval: numberField(v, "interval", d.interval, path, INTERVAL),
    unit: stringField(v, "unit", d.unit, path, /^.{0,16}$/u, "is longer than 16 characters"),
    low: numberField(v, "low", d.low, path),
    high: numberField(v, "high", d.high, path),
    shunt: numberField(v, "shunt", d.shunt, path, { min: 1, max: 10_000 }),
    fullScale: numberField(v, "fullScale", d.fullScale, path, { min: 100, max: 5000 }),
    wireBreak: numberField(v, "wireBreak", d.wireBreak, path, { min: 0, max: 4 }),
    underRange: numberField(v, "underRange", d.underRange, path, { min: 0, max: 4 }),
    overRange: numberField(v, "overRange", d.overRange, path, { min: 20, max: 30 }),
    failureHigh: numberField(v, "failureHigh", d.failureHigh, path, { min: 20, max: 30 }),
  };
  if (result.low === result.high) throw new SettingsError(`${path}.high: must differ from low`);
  if (result.wireBreak > result.underRange) throw new SettingsError(`${path}.wireBreak: ${result.wireBreak} is above underRange ${result.underRange}`);
  if (result.overRange > result.failureHigh) throw new SettingsError(`${path}.overRange: ${result.overRange} is above failureHigh ${result.failureHigh}`);
  return result;
}

function filter(value: unknown, path: string): FilterSpec {
  const v = record(value, path);
  const type = v.type;
  if (type === "median" || type === "average") {
    onlyKeys(v, ["type", "size"], path);
    if (v.size === undefined) throw new SettingsError(`${path}.size: missing`);
    return { type, size: numberField(v, "size", 0, path, { min: 1, max: MAX_WINDOW, integer: true }) };
  }
  if (type === "exponential") {
    onlyKeys(v, ["type", "alpha"], path);
    if (v.alpha === undefined) throw new SettingsError(`${path}.alpha: missing`);
    const alpha = numberField(v, "alpha", 0, path, { max: 1 });
    if (!(alpha > 0)) throw new SettingsError(`${path}.alpha: ${alpha} is not above 0`);
    return { type, alpha };
  }
  throw new SettingsError(`${path}.type: ${JSON.stringify(type) ?? "missing"} is not one of median, average, exponential`);
}

function stuckAfter(v: Record<string, unknown>, fallback: number, path: string): number {
  const n = numberField(v, "stuckAfter", fallback, path, { min: 0, max: 100_000, integer: true });
  if (n === 1) throw new SettingsError(`${path}.stuckAfter: 1 is not 0 (off) or at least 2`);
  return n;
}

export function validateChannel(value: unknown, d: ChannelConfig, path: string): ChannelConfig {
  const v = record(value, path);
  onlyKeys(v, Object.keys(CHANNEL_DEFAULTS), path);
  const gain = numberField(v, "gain", d.gain, path);
  if (gain === 0) throw new SettingsError(`${path}.gain: must not be 0`);
  const min = nullableNumberField(v, "min", d.min, path);
  const max = nullableNumberField(v, "max", d.max, path);
  if (min !== null && max !== null && min > max) throw new SettingsError(`${path}.min: ${min} is above max ${max}`);
  let filters = d.filters;
  if (v.filters !== undefined) {
    if (!Array.isArray(v.filters)) throw new SettingsError(`${path}.filters: must be an array`);
    if (v.filters.length > 4) throw new SettingsError(`${path}.filters: at most 4 filters`);
    filters = v.filters.map((f: unknown, i: number) => filter(f, `${path}.filters[${i}]`));
  }
  return {
    gain,
    offset: numberField(v, "offset", d.offset, path),
    min,
    max,
    filters,
    staleAfter: numberField(v, "staleAfter", d.staleAfter, path, { min: 0, max: 86_400_000, integer: true }),
    stuckAfter: stuckAfter(v, d.stuckAfter, path),
    stuckBand: numberField(v, "stuckBand", d.stuckBand, path, { min: 0 }),
    delta: numberField(v, "delta", d.delta, path, { min: 0 }),
    decimals: numberField(v, "decimals", d.decimals, path, { min: 0, max: 6, integer: true }),
  };
}

export const sensorsSection: SettingsSection<SensorsSettings> = {
  name: "sensors",
  defaults: SENSORS_DEFAULTS,
  validate(value: unknown): SensorsSettings {
    const path = "sensors";
    const v = record(value, path);
    onlyKeys(v, ["sht3x", "bmp280", "loop", "channels"], path);
    const d = SENSORS_DEFAULTS;
    const channels: Record<string, ChannelConfig> = { ...d.channels };
    if (v.channels !== undefined) {
      const given = record(v.channels, `${path}.channels`);
      for (const name of Object.keys(given)) {
        const known = CHANNELS[name];
        if (known === undefined) throw new SettingsError(`${path}.channels.${name}: unknown channel (expected one of ${Object.keys(CHANNELS).join(", ")})`);
        channels[name] = validateChannel(given[name], known.config, `${path}.channels.${name}`);
      }
    }
    return {
      sht3x: v.sht3x === undefined ? d.sht3x : sht3x(v.sht3x, d.sht3x, `${path}.sht3x`),
      bmp280: v.bmp280 === undefined ? d.bmp280 : bmp280(v.bmp280, d.bmp280, `${path}.bmp280`),
      loop: v.loop === undefined ? d.loop : loop(v.loop, d.loop, `${path}.loop`),
      channels,
    };
  },
};
