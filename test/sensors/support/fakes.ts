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

/**
 * Moddable's timer reduced to what the loop uses, without allocating per
 * re-arm. Due times stay small integers (−1: not scheduled) so that `now`
 * never becomes a double V8 would box whenever the clock returns it.
 */
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
  /** Without an interval, Moddable unschedules the timer but keeps it. */
  schedule(id: TimerId, interval?: number): void {
    this.#due[id as unknown as number] = interval === undefined ? -1 : this.now + interval;
  }
  clear(id: TimerId | undefined): void {
    if (id !== undefined) this.#due[id as unknown as number] = -1;
  }
  /** Runs the next `count` timer callbacks in time order. */
  run(count: number): void {
    const due = this.#due;
    for (let n = 0; n < count; n++) {
      let next = -1;
      for (let i = 0; i < due.length; i++) if (due[i]! >= 0 && (next < 0 || due[i]! < due[next]!)) next = i;
      if (next < 0) throw new Error("no timer is armed");
      this.now = due[next]!;
      due[next] = -1;
      this.#callbacks[next]!(next as unknown as TimerId);
    }
  }
}

/** What Moddable's I2C throws for a refused transfer, made once: the fakes themselves must not allocate. */
const READ_FAILED = new Error("read failed");
const WRITE_FAILED = new Error("write failed");

export interface FakeChipOptions {
  /** Ticks, for chips that take time to convert. */
  now?: () => number;
  /** Every second conversion takes this long, ms, and is refused ("not ready") until then; 0: every conversion is instant. */
  slowConversion?: number;
}

/**
 * An SHT3x that answers every read with a valid status or result, alternating
 * two results; its status shows a reset until cleared. With a slow
 * conversion, every second one keeps it busy (reads and commands refused)
 * for that long, as the chip model does.
 */
export class FakeSht3x implements I2CIO {
  #command = 0;
  #toggle = 0;
  #resetSeen = true;
  #conversions = 0;
  #busyUntil = -1;
  readonly #now: () => number;
  readonly #slow: number;
  readonly #statusAfterReset = Uint8Array.of(0x80, 0x10, sensirionCrc(0x80, 0x10));
  readonly #statusClear = Uint8Array.of(0x00, 0x00, sensirionCrc(0x00, 0x00));
  readonly #results = [word6(0x6666, 0x3333), word6(0x6667, 0x3334)];
  constructor(options: FakeChipOptions = {}) {
    this.#now = options.now ?? (() => 0);
    this.#slow = options.slowConversion ?? 0;
  }
  write(data: Uint8Array): undefined {
    if (data.length !== 2) return undefined; // a probe: the address answers
    if (this.#now() < this.#busyUntil) throw WRITE_FAILED;
    const command = (data[0]! << 8) | data[1]!;
    this.#command = command;
    if (command === 0x30a2) this.#resetSeen = true;
    if (command === 0x3041) this.#resetSeen = false;
    if (command === 0x2400 || command === 0x240b || command === 0x2416) {
      if (this.#slow > 0 && (++this.#conversions & 1) === 0) this.#busyUntil = this.#now() + this.#slow;
    }
    return undefined;
  }
  read(target: Uint8Array): number;
  read(byteLength: number): ArrayBuffer;
  read(target: Uint8Array | number): number | ArrayBuffer {
    if (typeof target === "number") throw new Error("the driver must read into its own buffer");
    if (this.#now() < this.#busyUntil) throw READ_FAILED;
    if (this.#command === 0xf32d) target.set(this.#resetSeen ? this.#statusAfterReset : this.#statusClear);
    else target.set(this.#results[(this.#toggle ^= 1)]!);
    return target.length;
  }
  close(): void {}
}

/**
 * A BMP280 register file: the datasheet's coefficients, id 0x58, a finished
 * conversion. With a slow conversion, every second forced conversion shows
 * `measuring` at the first status read after it was started.
 */
export class FakeBmp280 implements I2CIO {
  readonly #registers = new Uint8Array(256);
  #pointer = 0;
  #conversions = 0;
  readonly #slow: boolean;
  constructor(options: FakeChipOptions = {}) {
    this.#slow = (options.slowConversion ?? 0) > 0;
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
    if (data.length === 2 && data[0] === 0xf4 && (data[1]! & 3) === 1 && this.#slow && (++this.#conversions & 1) === 0) this.#registers[0xf3] = 0x08;
    return undefined;
  }
  read(target: Uint8Array): number;
  read(byteLength: number): ArrayBuffer;
  read(target: Uint8Array | number): number | ArrayBuffer {
    if (typeof target === "number") throw new Error("the driver must read into its own buffer");
    for (let i = 0; i < target.length; i++) target[i] = this.#registers[(this.#pointer + i) & 0xff]!;
    if (this.#pointer === 0xf3) this.#registers[0xf3] = 0; // done by the next read
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
export function fakeSamplingLoop(settings: unknown, chips: Omit<FakeChipOptions, "now"> = {}) {
  const timers = new ManualTimers();
  const options: FakeChipOptions = { ...chips, now: () => timers.now };
  const I2C = class {
    constructor(bus: { address: number }) {
      return (bus.address === 0x44 ? new FakeSht3x(options) : new FakeBmp280(options)) as never;
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
