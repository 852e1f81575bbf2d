import type { FieldNode } from "../../firmware/app";
import type { BootControl, ResetReason } from "../../firmware/boot/boot-control";
import type { PinSpecifier } from "../../firmware/host/io";
import { Bootloader, NoBootableAppError, type BootSelection } from "../boot/bootloader";
import "../boot/node-image-hash";
import { OtaOps } from "../boot/ota-ops";
import type { PartitionTable } from "../boot/partition-table";
import type { SimClock } from "../clock/sim-clock";
import { PowerCutError, type NorFlash } from "../flash/nor-flash";
import { GpioBank } from "../io/gpio-bank";
import { createNodeCrypto } from "../crypto/node-crypto";
import { createHttpClientClass } from "../net/http-client";
import { createHttpServerClass } from "../net/http-server";
import { createMqttClientClass } from "../net/mqtt-client";
import { SimSensorBoard } from "../sensors/board";
import { ModbusBus } from "../serial/modbus-board";
import { loadFirmware } from "./firmware-realm";
import { PowerDomain } from "./power-domain";
import { createSimHost } from "./sim-host";
import { TaskWatchdog } from "./task-watchdog";

/** GPIOs of an ESP32-WROOM-32 module that a board can use. */
const ESP32_GPIOS = [0, 1, 2, 3, 4, 5, 12, 13, 14, 15, 16, 17, 18, 19, 21, 22, 23, 25, 26, 27, 32, 33, 34, 35, 36, 39];

/** The reference board's wiring, as the firmware's host provider names it. */
export const DEFAULT_PINS: Readonly<Record<string, PinSpecifier>> = { led: 2 };

export interface SimDeviceOptions {
  id: string;
  clock: SimClock;
  flash: NorFlash;
  partitions: PartitionTable;
  pins?: Readonly<Record<string, PinSpecifier>>;
  /** ESP-IDF CONFIG_ESP_TASK_WDT_TIMEOUT_S, in ms. */
  watchdogTimeoutMs?: number;
  /** ROM + second-stage bootloader time before the app starts. */
  bootDelayMs?: number;
  /** Host ports for the device's listening ports (port forwarding); unlisted ports get any free port. */
  portMap?: Readonly<Record<number, number>>;
  /** How the Modbus UART hands bytes to the firmware: exact per character (virtual time) or in FIFO bursts (real time). */
  modbusReceiveTiming?: "character" | "burst";
  /** Files the firmware reads as resources, e.g. "modbus-map.json". */
  resources?: Readonly<Record<string, Uint8Array>>;
  /** The board's sensors; default: the reference board with its default physics. */
  sensors?: SimSensorBoard;
  /** The MQTT broker the device uses unless its settings name one (npm start: the embedded broker or --mqtt). */
  mqtt?: { host: string; port: number };
}

export type DeviceState = "off" | "booting" | "running" | "halted";

export interface ConsoleLine {
  /** Simulated time, ms. */
  time: number;
  source: "boot" | "app" | "chip";
  text: string;
}

export interface BootRecord {
  count: number;
  reason: ResetReason;
  slot: string;
  version: string;
  state: string;
}

/**
 * One simulated ESP32: flash, bootloader, GPIO, task watchdog, and the
 * firmware found in the active app slot, run in a fresh realm at every boot.
 * Power can be cut at any instant (between events, or inside a flash
 * operation when the flash is armed to fail), and what boots next is decided by
 * what the flash holds, never by what ran before.
 */
export class SimDevice {
  readonly id: string;
  readonly gpio: GpioBank;
  readonly flash: NorFlash;
  readonly partitions: PartitionTable;
  /** The sensors wired to the board: inject faults and change the physics here. */
  readonly sensors: SimSensorBoard;
  readonly #mqtt: { host: string; port: number } | undefined;
  /** The RS-485 bus on the Modbus UART: attach masters to `modbus.line`. */
  readonly modbus: ModbusBus;
  readonly #resources: Readonly<Record<string, Uint8Array>> | undefined;
  readonly #clock: SimClock;
  readonly #pins: Readonly<Record<string, PinSpecifier>>;
  readonly #bootDelayMs: number;
  readonly #watchdog: TaskWatchdog;
  readonly #listeners = new Set<(line: ConsoleLine) => void>();
  readonly #console: ConsoleLine[] = [];
  #state: DeviceState = "off";
  #domain: PowerDomain | undefined;
  #app: FieldNode | undefined;
  #boot: BootRecord | undefined;
  #bootCount = 0;
  #pendingBoot: ReturnType<SimClock["schedule"]> | undefined;
  readonly #portMap: Readonly<Record<number, number>>;
  readonly #boundPorts = new Map<number, number>();

  constructor(options: SimDeviceOptions) {
    this.id = options.id;
    this.#clock = options.clock;
    this.flash = options.flash;
    this.partitions = options.partitions;
    this.#pins = options.pins ?? DEFAULT_PINS;
    this.modbus = new ModbusBus(options.clock, options.modbusReceiveTiming);
    this.#resources = options.resources;
    this.#bootDelayMs = options.bootDelayMs ?? 300;
    this.#portMap = options.portMap ?? {};
    this.gpio = new GpioBank(ESP32_GPIOS);
    this.sensors = options.sensors ?? new SimSensorBoard({ clock: options.clock });
    this.#mqtt = options.mqtt;
    this.#watchdog = new TaskWatchdog(this.#clock, options.watchdogTimeoutMs ?? 10_000, () => {
      this.#emit("chip", "E task_wdt: Task watchdog got triggered. The following tasks/users did not reset the watchdog in time: - fieldnode (user)");
      this.reset("task-watchdog");
    });
  }

  get state(): DeviceState {
    return this.#state;
  }

  /** The last boot: which slot, which version, what rollback state. */
  get lastBoot(): Readonly<BootRecord> | undefined {
    return this.#boot;
  }

  /** The running image's rollback state now, as otadata records it (lastBoot.state is as it booted). */
  imageState(): string | undefined {
    if (this.#state !== "running" || this.#boot === undefined) return undefined;
    const running = this.partitions.find(this.#boot.slot)!;
    return new OtaOps(this.flash, this.partitions, { rollback: true, running }).getStatePartition(running);
  }

  /** Where a device port the firmware listens on is reachable on this machine, once bound. */
  hostPort(devicePort: number): number | undefined {
    return this.#boundPorts.get(devicePort);
  }

  get console(): readonly ConsoleLine[] {
    return this.#console;
  }

  onConsole(listener: (line: ConsoleLine) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** Applies power: the chip boots after the bootloader's delay. */
  powerOn(reason: ResetReason = "power-on"): void {
    if (this.#state !== "off") throw new Error(`device ${this.id} is already powered (${this.#state})`);
    this.#state = "booting";
    this.#pendingBoot = this.#clock.schedule(this.#clock.now() + this.#bootDelayMs, () => {
      this.#pendingBoot = undefined;
      this.#bootNow(reason);
    });
  }

  /** Removes power at this instant: no callback of the running firmware runs again. */
  powerCut(): void {
    if (this.#pendingBoot !== undefined) this.#clock.cancel(this.#pendingBoot);
    this.#pendingBoot = undefined;
    this.#stopFirmware();
    this.#state = "off";
  }

  /** A chip reset (esp_restart, panic, watchdog): power stays, the chip reboots. */
  reset(reason: ResetReason): void {
    this.powerCut();
    this.powerOn(reason);
  }

  #bootNow(reason: ResetReason): void {
    this.#bootCount++;
    const domain = new PowerDomain((error) => this.#fault(error));
    this.#domain = domain;
    this.#emit("chip", `rst:${reason} boot:${this.#bootCount}`);

    let selection: BootSelection;
    try {
      selection = new Bootloader(this.flash, this.partitions, { rollback: true }).boot();
    } catch (error) {
      if (error instanceof PowerCutError) return this.#powerLost();
      if (error instanceof NoBootableAppError) for (const line of error.log) this.#emit("boot", line);
      this.#emit("boot", `E boot: ${error instanceof Error ? error.message : String(error)}`);
      this.#state = "halted";
      return;
    }
    for (const line of selection.log) this.#emit("boot", line);

    const ops = new OtaOps(this.flash, this.partitions, { rollback: true, running: selection.slot });
    this.#boot = {
      count: this.#bootCount,
      reason,
      slot: selection.slot.name,
      version: selection.image.descriptor.version,
      state: selection.state,
    };
    this.#state = "running";
    // Whole ms, as modMilliseconds() is: Time.ticks and the timer then share one base.
    const bootTime = Math.floor(this.#clock.now());
    const boot = this.#bootControl(ops, domain, reason);
    domain.run(() => {
      const source = new TextDecoder().decode(selection.image.payload);
      const entry = loadFirmware(source, `${this.id}/${selection.slot.name}.js`, (line) => this.#emit("app", line));
      this.#app = entry.start(
        createSimHost({
          clock: this.#clock,
          domain,
          gpio: this.gpio,
          pins: this.#pins,
          boot,
          flash: this.flash,
          partitions: this.partitions,
          ota: ops,
          crypto: createNodeCrypto(),
          network: {
            http: { io: createHttpClientClass(domain) },
            ...(this.#mqtt ? { mqtt: { io: createMqttClientClass(domain, this.#clock), ...this.#mqtt } } : {}),
            httpServer: {
              io: createHttpServerClass(domain, {
                hostPort: (port) => this.#portMap[port] ?? 0,
                onListening: (port, hostPort) => {
                  this.#boundPorts.set(port, hostPort);
                  this.#emit("chip", `net: device port ${port} listening on 127.0.0.1:${hostPort}`);
                },
                onListenError: (port, error) => this.#emit("chip", `E net: device port ${port} could not listen: ${error.message}`),
              }),
            },
          },
          bootTime,
          modbus: this.modbus.forBoot(this.#clock, domain, this.gpio).modbus,
          deviceId: this.id,
          sensors: this.sensors,
          ...(this.#resources ? { resources: this.#resources } : {}),
          log: (line) => this.#emit("app", line),
        }),
      );
    });
  }

  #bootControl(ops: OtaOps, domain: PowerDomain, reason: ResetReason): BootControl {
    const guard = (): void => {
      if (!domain.alive) throw new Error("device is restarting");
    };
    // otadata writes can be cut too; the firmware must not catch its way past a power loss.
    const onChip = (operation: () => void): void => {
      try {
        operation();
      } catch (error) {
        if (error instanceof PowerCutError) domain.powerLost(error);
        throw error;
      }
    };
    return {
      runningSlot: () => ops.getRunningPartition().name,
      imageState: () => ops.getStatePartition(ops.getRunningPartition()),
      slotState: (slot) => ops.slotState(slot),
      markValid: () => {
        guard();
        onChip(() => ops.markAppValidCancelRollback());
      },
      markInvalidAndReboot: () => {
        guard();
        onChip(() => ops.markAppInvalidRollbackAndReboot());
        this.#restartFromFirmware("software");
      },
      restart: () => {
        guard();
        this.#restartFromFirmware("software");
      },
      resetReason: () => reason,
      feedWatchdog: () => {
        if (domain.alive) this.#watchdog.feed();
      },
    };
  }

  /**
   * esp_restart does not return on the chip. Here the firmware's call stack
   * still unwinds, but the power domain ends at once, so nothing it does after
   * the call has any effect.
   */
  #restartFromFirmware(reason: ResetReason): void {
    this.#emit("chip", "I restart requested by firmware");
    this.reset(reason);
  }

  #fault(error: unknown): void {
    if (error instanceof PowerCutError) return this.#powerLost();
    const message = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
    this.#emit("chip", `Guru Meditation Error: unhandled JavaScript exception in firmware: ${message}`);
    this.#emit("chip", "Rebooting...");
    this.reset("panic");
  }

  /** A flash operation hit an armed power cut: the device is off until powered again. */
  #powerLost(): void {
    this.#emit("chip", "power lost");
    this.powerCut();
  }

  #stopFirmware(): void {
    this.#boundPorts.clear();
    this.#watchdog.stop();
    this.#domain?.end();
    this.#domain = undefined;
    this.#app = undefined;
    this.gpio.powerDown();
  }

  /** The running application object, for tests that inspect it. */
  get app(): FieldNode | undefined {
    return this.#app;
  }

  #emit(source: ConsoleLine["source"], text: string): void {
    const line: ConsoleLine = { time: this.#clock.now(), source, text };
    this.#console.push(line);
    if (this.#console.length > 2000) this.#console.splice(0, this.#console.length - 1000);
    for (const listener of this.#listeners) listener(line);
  }
}
