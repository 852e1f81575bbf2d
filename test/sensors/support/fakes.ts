/**
 * Minimal, allocation-free stand-ins for the timer and the buses, for
 * measuring the firmware's sampling path alone (allocation test, benchmark):
 * whatever the heap gains or the CPU spends is the firmware's. Pure
 * JavaScript, so the benchmark runs them on XS too.
 */
import type { TimerCallback, TimerId, TimerService } from "../../../firmware/host/timer";
import type { AnalogIO, I2CIO } from "../../../firmware/sensors/io";
import { sensorsSection } from "../../../firmware/sensors/settings";
import { createSamplingLoop } from "../../../firmware/sensors/setup";
import { DATASHEET_CALIBRATION } from "../../../sim/sensors/bmp280-model";
import { sensirionCrc } from "../../../sim/sensors/sht3x-model";

/** Moddable's timer reduced to what the loop uses, without allocating per re-arm. */
export class ManualTimers implements TimerService {
  now = 0;
  readonly #callbacks: TimerCallback[] = [];
  readonly #due: number[] = [];
  set(callback: TimerCallback, interval = 0): TimerId {
    this.#callbacks.push(callback);
    this.#due.push(this.now + interval);
    return (this.#callbacks.length - 1) as unknown as TimerId;
  }
  repeat(): TimerId {
    throw new Error("not used by the sampling loop");
  }
  schedule(id: TimerId, interval = 0): void {
    this.#due[id as unknown as number] = this.now + interval;
  }
  clear(id: TimerId | undefined): void {
    if (id !== undefined) this.#due[id as unknown as number] = Infinity;
  }
  /** Runs the next `count` timer callbacks in time order. */
  run(count: number): void {
    const due = this.#due;
    for (let n = 0; n < count; n++) {
      let next = 0;
      for (let i = 1; i < due.length; i++) if (due[i]! < due[next]!) next = i;
      this.now = due[next]!;
      due[next] = Infinity;
      this.#callbacks[next]!(next as unknown as TimerId);
    }
  }
}

/** An SHT3x that answers every read with a valid status or result, alternating two results. */
export class FakeSht3x implements I2CIO {
  #command = 0;
  #toggle = 0;
  readonly #status = Uint8Array.of(0x80, 0x10, sensirionCrc(0x80, 0x10));
  readonly #results = [word6(0x6666, 0x3333), word6(0x6667, 0x3334)];
  write(data: Uint8Array): undefined {
    if (data.length === 2) this.#command = (data[0]! << 8) | data[1]!;
    return undefined;
  }
  read(target: Uint8Array): number;
  read(byteLength: number): ArrayBuffer;
  read(target: Uint8Array | number): number | ArrayBuffer {
    if (typeof target === "number") throw new Error("the driver must read into its own buffer");
    target.set(this.#command === 0xf32d ? this.#status : this.#results[(this.#toggle ^= 1)]!);
    return target.length;
  }
  close(): void {}
}

/** A BMP280 register file: the datasheet's coefficients, id 0x58, a finished conversion. */
export class FakeBmp280 implements I2CIO {
  readonly #registers = new Uint8Array(256);
  #pointer = 0;
  constructor() {
    const c = DATASHEET_CALIBRATION;
    [c.T1, c.T2, c.T3, c.P1, c.P2, c.P3, c.P4, c.P5, c.P6, c.P7, c.P8, c.P9].forEach((w, i) => {
      this.#registers[0x88 + 2 * i] = w & 0xff;
      this.#registers[0x89 + 2 * i] = (w >> 8) & 0xff;
    });
    this.#registers[0xd0] = 0x58;
    this.#registers.set([0x65, 0x5a, 0xc0, 0x7e, 0xed, 0x00], 0xf7); // adc_P 415148, adc_T 519888
  }
  write(data: Uint8Array): undefined {
    if (data.length > 0) this.#pointer = data[0]!;
    return undefined;
  }
  read(target: Uint8Array): number;
  read(byteLength: number): ArrayBuffer;
  read(target: Uint8Array | number): number | ArrayBuffer {
    if (typeof target === "number") throw new Error("the driver must read into its own buffer");
    for (let i = 0; i < target.length; i++) target[i] = this.#registers[(this.#pointer + i) & 0xff]!;
    return target.length;
  }
  close(): void {}
}

export class FakeAnalog implements AnalogIO {
  readonly resolution = 12;
  #n = 0;
  read(): number {
    return 2000 + (this.#n++ & 7);
  }
  close(): void {}
}

function word6(t: number, rh: number): Uint8Array {
  return Uint8Array.of(t >> 8, t & 0xff, sensirionCrc(t >> 8, t & 0xff), rh >> 8, rh & 0xff, sensirionCrc(rh >> 8, rh & 0xff));
}

/** The firmware's sampling loop with `settings`, on the fakes above. */
export function fakeSamplingLoop(settings: unknown) {
  const timers = new ManualTimers();
  const I2C = class {
    constructor(options: { address: number }) {
      return (options.address === 0x44 ? new FakeSht3x() : new FakeBmp280()) as never;
    }
  };
  const loop = createSamplingLoop(
    {
      timer: timers,
      clock: { ticks: () => timers.now },
      log: (line) => {
        throw new Error(`unexpected log: ${line}`);
      },
      board: { I2C: { default: { io: I2C as never, data: 21, clock: 22 } }, Analog: { default: { io: FakeAnalog as never, pin: 36 } } },
      feedWatchdog: () => {},
    },
    sensorsSection.validate(settings),
  );
  return { timers, loop };
}
