/**
 * A UART and a timer service that allocate nothing once set up, for driving
 * the RtuSlave on its own: the allocation probe and the benchmark use them,
 * because the simulator's UART model allocates per character (its FIFO
 * array, scheduled events, the bus's character records) and would hide what
 * the firmware does. They keep the contracts the slave relies on
 * (firmware/host/io.ts, firmware/host/timer.ts): onReadable(count) when
 * characters have arrived, read() into a buffer, a zero-length read as a
 * peek, write() refused beyond the transmit FIFO's room, onWritable(free)
 * once the FIFO has drained; timers that repeat, are rescheduled or parked,
 * in whole milliseconds. They do not model the line: the driver says when
 * characters arrive, when the transmitter has drained and when time passes.
 */
import type { SerialIO, SerialOptions, SerialPortDescription } from "../../firmware/host/io";
import type { Clock, TimerCallback, TimerId, TimerService } from "../../firmware/host/timer";

const FIFO = 128;
const PARKED = Number.POSITIVE_INFINITY;
const SLOTS = 4;

interface Slot {
  readonly slot: number;
}

export class UartDouble {
  /** Now, µs (a typed array: V8 would box a changing double held in a property). */
  readonly now = new Float64Array(1);
  readonly clock: Clock;
  readonly timers: TimerService;
  readonly port: SerialPortDescription;
  /** What the slave has written since the last takeTransmitted(), and how much. */
  readonly transmitted = new Uint8Array(512);
  transmittedLength = 0;

  readonly #rx = new Uint8Array(FIFO);
  #rxLength = 0;
  #txQueued = 0;
  #onReadable: ((count: number) => void) | undefined;
  #onWritable: ((count: number) => void) | undefined;
  readonly #callbacks: Array<TimerCallback | undefined> = [];
  readonly #ids: Slot[] = [];
  readonly #due = new Float64Array(SLOTS).fill(PARKED);
  readonly #period = new Float64Array(SLOTS);

  constructor(receiveTiming: "character" | "burst") {
    const now = this.now;
    this.clock = { ticks: () => Math.floor(now[0]! / 1000), microseconds: () => now[0]! };
    const double = this;
    class DoubleSerial implements SerialIO {
      constructor(options: SerialOptions) {
        const self = this;
        const onReadable = options.onReadable;
        const onWritable = options.onWritable;
        double.#onReadable = onReadable === undefined ? undefined : (count) => onReadable.call(self, count);
        double.#onWritable = onWritable === undefined ? undefined : (count) => onWritable.call(self, count);
      }
      read(buffer: Uint8Array): number | undefined {
        return double.#read(buffer);
      }
      write(data: Uint8Array): void {
        double.#write(data);
      }
      errors(): number {
        return 0;
      }
      close(): void {
        double.#onReadable = undefined;
        double.#onWritable = undefined;
      }
    }
    this.port = { io: DoubleSerial, port: 2, receive: 16, transmit: 17, requestToSend: 4, receiveTiming, receiveThreshold: 120, transmitFifo: FIFO };
    const due = this.#due;
    const period = this.#period;
    const slot = (id: TimerId): number => (id as unknown as Slot).slot;
    const add = (callback: TimerCallback, interval: number, repeat: number): TimerId => {
      const index = this.#callbacks.length;
      if (index === SLOTS) throw new Error("uart double: out of timer slots");
      this.#callbacks.push(callback);
      this.#ids.push({ slot: index });
      due[index] = now[0]! / 1000 + interval;
      period[index] = repeat;
      return this.#ids[index] as unknown as TimerId;
    };
    this.timers = {
      set: (callback, interval = 0, repeat = 0) => add(callback, interval, repeat),
      repeat: (callback, interval) => add(callback, interval, interval),
      schedule(id, interval, repeat) {
        const i = slot(id);
        due[i] = interval === undefined ? PARKED : now[0]! / 1000 + interval;
        period[i] = repeat ?? 0;
      },
      clear(id) {
        if (id !== undefined) due[slot(id)] = PARKED;
      },
    };
  }

  /** `count` bytes of `bytes` arrive in the receive FIFO (the caller then reports them with readable()); beyond its 128 bytes they are lost. */
  arrive(bytes: Uint8Array, count: number): void {
    for (let i = 0; i < count && this.#rxLength < FIFO; i++) this.#rx[this.#rxLength++] = bytes[i]!;
  }

  /** The UART's onReadable with what its FIFO holds. */
  readable(): void {
    if (this.#rxLength > 0) this.#onReadable?.(this.#rxLength);
  }

  /** The transmitter has drained: onWritable with the whole FIFO free. */
  drained(): void {
    this.#txQueued = 0;
    this.#onWritable?.(FIFO);
  }

  /**
   * Runs the event loop until every timer is parked (the slave's park
   * themselves when they fire): time jumps to each timer's due time, never
   * back, and the timer fires, a repeating one advancing by its period, as
   * Moddable's do.
   */
  settle(): void {
    const due = this.#due;
    const period = this.#period;
    const now = this.now;
    for (;;) {
      let next = -1;
      for (let i = 0; i < this.#callbacks.length; i++) if (due[i]! !== PARKED && (next < 0 || due[i]! < due[next]!)) next = i;
      if (next < 0) return;
      if (now[0]! < due[next]! * 1000) now[0] = due[next]! * 1000;
      due[next] = period[next]! > 0 ? due[next]! + period[next]! : PARKED;
      this.#callbacks[next]!(this.#ids[next] as unknown as TimerId);
    }
  }

  // Copies are native, as Moddable's are: through views of the FIFO made once per length.
  readonly #rxViews: Uint8Array[] = [];

  #read(buffer: Uint8Array): number | undefined {
    const length = this.#rxLength;
    if (length === 0) return undefined;
    const n = buffer.length < length ? buffer.length : length;
    if (n === 0) return 0;
    const rx = this.#rx;
    buffer.set((this.#rxViews[n] ??= rx.subarray(0, n)));
    if (n < length) rx.copyWithin(0, n, length);
    this.#rxLength = length - n;
    return n;
  }

  #write(data: Uint8Array): void {
    if (data.length > FIFO - this.#txQueued) throw new Error("output full");
    this.#txQueued += data.length;
    const at = this.transmittedLength;
    if (at + data.length > this.transmitted.length) throw new Error("uart double: more written than taken");
    this.transmitted.set(data, at);
    this.transmittedLength = at + data.length;
  }
}
