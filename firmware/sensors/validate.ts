/**
 * Field-by-field validation for settings sections: every error names the
 * field by its path ("sensors.sht3x.interval"), so a configuration can be
 * fixed from the message alone. Stored documents may be partial; what they
 * leave out comes from the defaults.
 */
import { SettingsError } from "../config/settings";

export type Json = Record<string, unknown>;

export function isRecord(value: unknown): value is Json {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

export function record(value: unknown, path: string): Json {
  if (!isRecord(value)) throw new SettingsError(`${path}: must be an object`);
  return value;
}

export function onlyKeys(value: Json, keys: readonly string[], path: string): void {
  for (const key of Object.keys(value)) {
    if (!keys.includes(key)) throw new SettingsError(`${path}.${key}: unknown field (expected one of ${keys.join(", ")})`);
  }
}

export interface NumberRule {
  min?: number;
  max?: number;
  integer?: boolean;
}

export function numberField(value: Json, key: string, fallback: number, path: string, rule: NumberRule = {}): number {
  const v = value[key];
  if (v === undefined) return fallback;
  if (typeof v !== "number" || !Number.isFinite(v)) throw new SettingsError(`${path}.${key}: ${show(v)} is not a number`);
  if (rule.integer && !Number.isInteger(v)) throw new SettingsError(`${path}.${key}: ${v} is not a whole number`);
  if (rule.min !== undefined && v < rule.min) throw new SettingsError(`${path}.${key}: ${v} is below ${rule.min}`);
  if (rule.max !== undefined && v > rule.max) throw new SettingsError(`${path}.${key}: ${v} is above ${rule.max}`);
  return v;
}

export function nullableNumberField(value: Json, key: string, fallback: number | null, path: string): number | null {
  const v = value[key];
  if (v === undefined) return fallback;
  if (v === null) return null;
  return numberField(value, key, 0, path);
}

export function booleanField(value: Json, key: string, fallback: boolean, path: string): boolean {
  const v = value[key];
  if (v === undefined) return fallback;
  if (typeof v !== "boolean") throw new SettingsError(`${path}.${key}: ${show(v)} is not true or false`);
  return v;
}

export function stringField(value: Json, key: string, fallback: string, path: string, pattern?: RegExp, hint?: string): string {
  const v = value[key];
  if (v === undefined) return fallback;
  if (typeof v !== "string") throw new SettingsError(`${path}.${key}: ${show(v)} is not a string`);
  if (pattern !== undefined && !pattern.test(v)) throw new SettingsError(`${path}.${key}: ${show(v)} ${hint ?? "is not valid"}`);
  return v;
}

export function choiceField<T extends string | number>(value: Json, key: string, fallback: T, choices: readonly T[], path: string): T {
  const v = value[key];
  if (v === undefined) return fallback;
  if (!choices.includes(v as T)) throw new SettingsError(`${path}.${key}: ${show(v)} is not one of ${choices.join(", ")}`);
  return v as T;
}

export function show(value: unknown): string {
  if (value === undefined) return "missing";
  try {
    return JSON.stringify(value);
  } catch {
    return String(value);
  }
}
