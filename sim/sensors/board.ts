/**
 * The reference board's sensors as the simulator wires them: an SHT3x (0x44)
 * and a BMP280 (0x76) on the I2C bus at GPIO 21 (SDA) / 22 (SCL), and a
 * 4–20 mA transmitter through a 100 Ω shunt on GPIO 36 (ADC1 channel 0).
 * The chips outlive resets of the MCU, like the board's wiring; faults are
 * switched here, by name, from tests and from `npm start`.
 */
import { Bmp280Model } from "./bmp280-model";
import { SimI2CBus, type ChipClock } from "./i2c-bus";
import { LoopTransmitter } from "./loop-transmitter";
import { Sht3xModel } from "./sht3x-model";
import { Signal, type SignalSpec } from "./signal";

export const BOARD_I2C = { data: 21, clock: 22 } as const;
export const BOARD_LOOP_PIN = 36;

export type FaultTarget = "sht3x" | "bmp280" | "loop";

/** The currents the loop faults force, mA: inside NE 43's over- and under-range bands, and its failure-high signal. */
export const LOOP_OVER_MA = 20.8;
export const LOOP_UNDER_MA = 3.7;
export const LOOP_ALARM_MA = 21.5;

/** What can be broken on each part, and what the name means. */
export const FAULTS: Readonly<Record<FaultTarget, Readonly<Record<string, string>>>> = {
  sht3x: {
    nack: "acknowledges its address, refuses every command byte",
    disconnect: "off the bus: nothing acknowledged",
    stuck: "results frozen",
    crc: "every checksum sent wrong",
    slow: "conversions take 10 times longer",
  },
  bmp280: {
    nack: "acknowledges its address, refuses every data byte",
    disconnect: "off the bus: nothing acknowledged",
    stuck: "result registers frozen",
    slow: "conversions take 10 times longer",
  },
  loop: {
    break: "wire break: 0 mA (NE 43 failure low)",
    over: "transmitter drives 20.8 mA (NE 43 over range)",
    under: "transmitter drives 3.7 mA (NE 43 under range)",
    stuck: "transmitter output frozen (the ADC still reads its noise)",
    adc: "ADC conversion fails",
    alarm: "transmitter signals a failure: 21.5 mA (NE 43 failure high)",
  },
};

export interface SensorPhysics {
  temperature?: SignalSpec;
  humidity?: SignalSpec;
  pressure?: SignalSpec;
  baroTemperature?: SignalSpec;
  loop?: SignalSpec;
}

export interface SimSensorBoardOptions {
  clock: ChipClock;
  physics?: SensorPhysics;
  /** Engineering value of the transmitter at 4 mA and at 20 mA. */
  loopRange?: { low: number; high: number };
  /** ADC noise on the loop input, counts (default 0.5). */
  adcNoise?: number;
}

/** A room: slow sine around 22.5 °C / 45 %RH, sea-level pressure, a process value near 42 %. */
export const DEFAULT_PHYSICS: Required<SensorPhysics> = {
  temperature: { base: 22.5, wave: { amplitude: 0.5, period: 600_000 }, noise: 0.02, seed: 11 },
  humidity: { base: 45, wave: { amplitude: 2, period: 900_000 }, noise: 0.1, seed: 12 },
  pressure: { base: 101_325, drift: -20, noise: 2, seed: 13 },
  baroTemperature: { base: 23.3, wave: { amplitude: 0.5, period: 600_000 }, noise: 0.01, seed: 14 },
  loop: { base: 42, wave: { amplitude: 5, period: 60_000 }, noise: 0.05, seed: 15 },
};

export class SimSensorBoard {
  readonly bus = new SimI2CBus();
  readonly sht3x: Sht3xModel;
  readonly bmp280: Bmp280Model;
  readonly loop: LoopTransmitter;
  readonly signals: { temperature: Signal; humidity: Signal; pressure: Signal; baroTemperature: Signal; loop: Signal };
  readonly i2c: ReadonlyMap<string, SimI2CBus>;
  readonly analog: ReadonlyMap<number, LoopTransmitter>;

  constructor(options: SimSensorBoardOptions) {
    const physics = { ...DEFAULT_PHYSICS, ...options.physics };
    const clock = options.clock;
    this.signals = {
      temperature: new Signal(physics.temperature),
      humidity: new Signal(physics.humidity),
      pressure: new Signal(physics.pressure),
      baroTemperature: new Signal(physics.baroTemperature),
      loop: new Signal(physics.loop),
    };
    this.sht3x = new Sht3xModel({ clock, temperature: this.signals.temperature, humidity: this.signals.humidity });
    this.bmp280 = new Bmp280Model({ clock, temperature: this.signals.baroTemperature, pressure: this.signals.pressure });
    const range = options.loopRange ?? { low: 0, high: 100 };
    this.loop = new LoopTransmitter({ clock, value: this.signals.loop, ...range, ...(options.adcNoise !== undefined ? { adcNoise: options.adcNoise } : {}) });
    this.bus.attach(this.sht3x);
    this.bus.attach(this.bmp280);
    this.i2c = new Map([[`${BOARD_I2C.data}/${BOARD_I2C.clock}`, this.bus]]);
    this.analog = new Map([[BOARD_LOOP_PIN, this.loop]]);
  }

  /** Switches a fault on. Throws, listing the choices, for an unknown target or fault. */
  inject(target: FaultTarget, fault: string): void {
    this.#set(target, fault, true);
  }

  /** Switches one fault off, or every fault of the target. */
  clear(target: FaultTarget, fault?: string): void {
    if (fault !== undefined) return this.#set(target, fault, false);
    for (const name of Object.keys(FAULTS[target])) this.#set(target, name, false);
  }

  /** The faults switched on, as "target=fault" strings. */
  active(): string[] {
    const out: string[] = [];
    for (const chip of ["sht3x", "bmp280"] as const) {
      const f = this[chip].faults;
      if (f.nack) out.push(`${chip}=nack`);
      if (f.disconnect) out.push(`${chip}=disconnect`);
      if (f.stuck) out.push(`${chip}=stuck`);
      if (f.crc) out.push(`${chip}=crc`);
      if (f.slow !== 1) out.push(`${chip}=slow`);
    }
    const l = this.loop.faults;
    if (l.wireBreak) out.push("loop=break");
    if (l.forcedCurrent === LOOP_OVER_MA) out.push("loop=over");
    if (l.forcedCurrent === LOOP_UNDER_MA) out.push("loop=under");
    if (l.forcedCurrent === LOOP_ALARM_MA) out.push("loop=alarm");
    if (l.stuck) out.push("loop=stuck");
    if (l.adcFailure) out.push("loop=adc");
    return out;
  }

  /** Power loss: the chips forget their modes. */
  powerCycle(): void {
    this.sht3x.powerCycle();
    this.bmp280.powerCycle();
  }

  #set(target: FaultTarget, fault: string, on: boolean): void {
    const known = FAULTS[target];
    if (known === undefined) throw new RangeError(`unknown fault target "${target}" (expected ${Object.keys(FAULTS).join(", ")})`);
    if (known[fault] === undefined) throw new RangeError(`unknown ${target} fault "${fault}" (expected ${Object.keys(known).join(", ")})`);
    if (target === "loop") {
      const l = this.loop;
      const force = (current: number) => (l.faults.forcedCurrent = on ? current : l.faults.forcedCurrent === current ? undefined : l.faults.forcedCurrent);
      if (fault === "break") l.faults.wireBreak = on;
      else if (fault === "over") force(LOOP_OVER_MA);
      else if (fault === "under") force(LOOP_UNDER_MA);
      else if (fault === "alarm") force(LOOP_ALARM_MA);
      else if (fault === "stuck") l.setStuck(on);
      else l.faults.adcFailure = on;
      return;
    }
    const chip = this[target];
    if (fault === "slow") chip.setFault("slow", on ? 10 : 1);
    else chip.setFault(fault as "nack" | "disconnect" | "stuck" | "crc", on);
  }
}

/** Parses "sht3x=nack" as the command line writes it. */
export function parseFault(text: string): { target: FaultTarget; fault: string } {
  const match = /^([a-z0-9]+)=([a-z]+)$/.exec(text);
  if (match === null) throw new RangeError(`fault "${text}" is not TARGET=FAULT, e.g. sht3x=nack`);
  const target = match[1] as FaultTarget;
  const fault = match[2]!;
  const known = FAULTS[target];
  if (known === undefined) throw new RangeError(`unknown fault target "${match[1]}" (expected ${Object.keys(FAULTS).join(", ")})`);
  if (known[fault] === undefined) throw new RangeError(`unknown ${target} fault "${fault}" (expected ${Object.keys(known).join(", ")})`);
  return { target, fault };
}
