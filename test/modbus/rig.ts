/**
 * A Modbus slave as the firmware runs it (startModbus: settings, map, server,
 * RTU slave) on the simulated UART and bus, on virtual time, with a master on
 * the same bus. Tests speak hex: `rig.transact("01 03 00 00 00 01")` appends
 * the CRC, sends, runs the clock and returns the reply without its CRC (after
 * checking it), or undefined when none came.
 */
import type { BootControl } from "../../firmware/boot/boot-control";
import { RecordStore } from "../../firmware/config/record-store";
import { Settings } from "../../firmware/config/settings";
import type { SerialConstructor, SerialIO, SerialOptions, SerialPortDescription } from "../../firmware/host/io";
import { appendCrc, crc16 } from "../../firmware/modbus/crc16";
import { startModbus, type Modbus } from "../../firmware/modbus/modbus";
import type { OtaStatus } from "../../firmware/modbus/ota-status";
import { MODBUS_SETTINGS, type ModbusSettings } from "../../firmware/modbus/settings";
import type { SourceRegistry } from "../../firmware/modbus/sources";
import { frameTiming, type LineFormat } from "../../firmware/modbus/timing";
import { VirtualClock } from "../../sim/clock/virtual-clock";
import { PowerDomain } from "../../sim/device/power-domain";
import type { NorFlash } from "../../sim/flash/nor-flash";
import { GpioBank } from "../../sim/io/gpio-bank";
import { createUartBank, type UartBank } from "../../sim/io/serial";
import { createTimerService } from "../../sim/io/timer";
import { SerialLine, type SendOptions } from "../../sim/serial/line";
import { LineMaster, type ReceivedFrame } from "../../sim/serial/line-master";
import { deviceFlash } from "../firmware/config/flash-fixture";

export const RX_PIN = 16;
export const TX_PIN = 17;
export const DE_PIN = 4;

export function hex(text: string): Uint8Array {
  const clean = text.replace(/\s+/g, "");
  if (clean.length % 2 !== 0 || /[^0-9a-f]/i.test(clean)) throw new Error(`not hex: ${text}`);
  return Uint8Array.from(clean.match(/../g) ?? [], (b) => parseInt(b, 16));
}

export function toHex(bytes: ArrayLike<number>): string {
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join(" ");
}

/** The frame with its CRC appended. */
export function withCrc(pdu: Uint8Array | string): Uint8Array {
  const body = typeof pdu === "string" ? hex(pdu) : pdu;
  const frame = new Uint8Array(body.length + 2);
  frame.set(body);
  appendCrc(frame, body.length);
  return frame;
}

export interface RigOptions {
  settings?: Partial<ModbusSettings>;
  receiveTiming?: "character" | "burst";
  mapText?: string;
  ota?: () => OtaStatus;
  sources?: SourceRegistry;
  /** Reuse a flash (to check persistence across a "reset"). */
  flash?: { flash: NorFlash; storage: ReturnType<typeof deviceFlash>["storage"] };
  boot?: Partial<BootControl>;
}

export class Rig {
  readonly clock = new VirtualClock();
  readonly faults: unknown[] = [];
  readonly domain = new PowerDomain((error) => this.faults.push(error));
  readonly gpio = new GpioBank([2, 4, 16, 17]);
  readonly line = new SerialLine(this.clock);
  readonly log: string[] = [];
  readonly bank: UartBank;
  readonly modbus: Modbus;
  readonly master: LineMaster;
  readonly storage: ReturnType<typeof deviceFlash>;
  readonly settings: Settings;
  readonly port: SerialPortDescription;

  constructor(options: RigOptions = {}) {
    const receiveTiming = options.receiveTiming ?? "character";
    this.bank = createUartBank([{ line: this.line, receive: RX_PIN, transmit: TX_PIN, driverEnable: DE_PIN }], this.clock, this.domain, this.gpio, {
      receiveTiming,
    });
    this.storage = options.flash ?? deviceFlash();
    this.settings = new Settings(new RecordStore(this.storage.storage.open({ path: "settings" })), (l) => this.log.push(l));
    this.settings.load();
    if (options.settings !== undefined) {
      const { address, baud, parity } = MODBUS_SETTINGS.defaults;
      this.settings.set(MODBUS_SETTINGS, MODBUS_SETTINGS.validate({ address, baud, parity, ...options.settings }));
    }
    const clock = this.clock;
    const boot: BootControl = {
      runningSlot: () => "ota_1",
      imageState: () => "valid",
      slotState: () => "valid",
      markValid: () => {},
      markInvalidAndReboot: () => {},
      restart: () => {},
      resetReason: () => "power-on",
      feedWatchdog: () => {},
      ...options.boot,
    };
    this.port = { io: this.#heldSerial(this.bank.Serial), port: 2, receive: RX_PIN, transmit: TX_PIN, requestToSend: DE_PIN, receiveTiming, receiveThreshold: 120, transmitFifo: 128 };
    this.modbus = startModbus({
      port: this.port,
      timer: createTimerService(clock, this.domain),
      clock: { ticks: () => Math.floor(clock.now()), microseconds: () => clock.now() * 1000 },
      boot,
      settings: this.settings,
      log: (l) => this.log.push(l),
      version: "1.2.3",
      platform: "sim",
      ...(options.mapText !== undefined ? { mapText: options.mapText } : {}),
      ...(options.ota !== undefined ? { ota: options.ota } : {}),
      ...(options.sources !== undefined ? { sources: options.sources } : {}),
    });
    this.master = new LineMaster(this.line, clock, this.lineFormat);
    // Let the UART's first onWritable arrive, as after a boot.
    this.clock.advance(1);
  }

  #receiveHeldUntil = 0;

  /**
   * The firmware's event loop is busy until `untilMs`: the UART's onReadable
   * waits, as Moddable's callback posted from the UART interrupt does, and
   * comes once, with what the FIFO holds by then (which may have overflowed).
   */
  holdReceive(untilMs: number): void {
    this.#receiveHeldUntil = untilMs;
  }

  #heldSerial(inner: SerialConstructor): SerialConstructor {
    const rig = this;
    return class HeldSerial implements SerialIO {
      readonly #inner: SerialIO;
      constructor(options: SerialOptions) {
        const onReadable = options.onReadable;
        const self = this;
        let pending = false;
        let latest = 0;
        this.#inner = new inner({
          ...options,
          ...(onReadable === undefined
            ? {}
            : {
                onReadable(count: number) {
                  const until = rig.#receiveHeldUntil;
                  if (rig.clock.now() >= until) return onReadable.call(self, count);
                  latest = count;
                  if (pending) return;
                  pending = true;
                  rig.clock.schedule(until, () => {
                    pending = false;
                    rig.domain.run(() => onReadable.call(self, latest));
                  });
                },
              }),
        });
      }
      read(buffer: Uint8Array): number | undefined {
        return this.#inner.read(buffer);
      }
      write(data: Uint8Array): void {
        this.#inner.write(data);
      }
      close(): void {
        this.#inner.close();
      }
      errors(): number {
        return this.#inner.errors?.() ?? 0;
      }
    };
  }

  get lineFormat(): LineFormat {
    const s = this.modbus.settings;
    return { baud: s.baud, parity: s.parity, stopBits: s.stopBits };
  }

  get server() {
    return this.modbus.server;
  }

  /** Sends a frame as is (no CRC added) and runs the clock until the line has been quiet for a while. */
  sendRaw(frame: ArrayLike<number>, options?: SendOptions): void {
    this.master.send(frame, options);
    this.settle();
  }

  /** Runs the clock until the line has been quiet for 20 character times plus 5 ms and nothing is scheduled. */
  settle(): void {
    const quiet = (20 * frameTiming(this.master.format).characterUs) / 1000 + 5;
    for (let i = 0; i < 10_000; i++) {
      const until = this.line.lastActivity + quiet;
      if (this.clock.now() < until) this.clock.runUntil(until);
      else if (this.clock.pending > 0) this.clock.advance(quiet);
      else return;
    }
    throw new Error("the line never went quiet");
  }

  /** Request in hex without CRC; returns the reply in hex without CRC (CRC checked), or undefined. */
  transact(request: string, options?: SendOptions): string | undefined {
    const reply = this.transactFrame(withCrc(request), options);
    if (reply === undefined) return undefined;
    const { bytes } = reply;
    if (bytes.length < 4 || crc16(bytes) !== 0) throw new Error(`reply with a bad CRC: ${toHex(bytes)}`);
    return toHex(bytes.subarray(0, bytes.length - 2));
  }

  /** Sends a complete frame; returns the reply frame (with timing), or undefined. */
  transactFrame(frame: Uint8Array, options?: SendOptions): ReceivedFrame | undefined {
    const before = this.master.frames.length;
    this.sendRaw(frame, options);
    const replies = this.master.frames.slice(before);
    if (replies.length > 1) throw new Error(`${replies.length} replies to one request`);
    return replies[0];
  }

  counters(): Record<string, number> {
    const names = ["busMessages", "busCommErrors", "exceptions", "serverMessages", "noResponse", "nak", "busy", "overruns", "lengthErrors", "timingErrors", "otherAddress", "broadcasts", "characterErrors"];
    return Object.fromEntries(names.map((n, i) => [n, this.server.counters[i]!]));
  }
}
