import type { HttpClientConstructor } from "./http";
import type { HttpServerConstructor } from "./http-server";

/**
 * The ECMA-419 IO shapes the firmware depends on, written structurally so that
 * Moddable's classes (device) and the simulator's (Node) both satisfy them
 * without the portable firmware importing either.
 */

/** A GPIO number, as Moddable's typings define it. */
export type PinSpecifier = number;

/** Moddable's Digital modes are opaque constants (`typeof Digital.Input`). */
export type DigitalMode = unknown;

export interface DigitalOptions {
  pin: PinSpecifier;
  mode: DigitalMode;
  edge?: number;
  onReadable?: (this: DigitalIO) => void;
}

export interface DigitalIO {
  read(): number;
  write(value: number): void;
  close(): void;
}

export interface DigitalConstructor {
  new (options: DigitalOptions): DigitalIO;
  readonly Input: DigitalMode;
  readonly InputPullUp: DigitalMode;
  readonly InputPullDown: DigitalMode;
  readonly Output: DigitalMode;
  readonly OutputOpenDrain: DigitalMode;
  readonly Rising: number;
  readonly Falling: number;
}

/**
 * Network clients as Moddable's host configuration exposes them
 * (`new device.network.http.io({ ...device.network.http, host, port })`).
 * Absent when the host has no network.
 */
export interface NetworkProvider {
  readonly http?: { readonly io: HttpClientConstructor };
  readonly httpServer?: { readonly io: HttpServerConstructor };
}

/** The part of `embedded:provider/builtin` the firmware uses. */
export interface DeviceProvider {
  readonly io: {
    readonly Digital: DigitalConstructor;
  };
  readonly network?: NetworkProvider;
  /** Board pins by role, as Moddable's host provider names them. */
  readonly pin: Readonly<Record<string, PinSpecifier>>;
}
