import type { BootControl } from "../../firmware/boot/boot-control";
import type { CryptoPort } from "../../firmware/crypto/crypto-port";
import type { Host } from "../../firmware/host/host";
import type { NetworkProvider, PinSpecifier, SerialPortDescription } from "../../firmware/host/io";
import type { OtaOps } from "../boot/ota-ops";
import type { PartitionTable } from "../boot/partition-table";
import type { SimClock } from "../clock/sim-clock";
import type { NorFlash } from "../flash/nor-flash";
import { createDigitalClass } from "../io/digital";
import { createFlashStorage } from "../io/flash-storage";
import type { GpioBank } from "../io/gpio-bank";
import { createTimerService } from "../io/timer";
import { createUpdateModule } from "../io/update";
import { createAnalogClass } from "../io/analog";
import { createI2CClass } from "../io/i2c";
import { BOARD_I2C, BOARD_LOOP_PIN, type SimSensorBoard } from "../sensors/board";
import type { PowerDomain } from "./power-domain";

export interface SimHostParts {
  clock: SimClock;
  domain: PowerDomain;
  gpio: GpioBank;
  pins: Readonly<Record<string, PinSpecifier>>;
  boot: BootControl;
  flash: NorFlash;
  partitions: PartitionTable;
  /** esp_ota_* for this boot: knows the running slot. */
  ota: OtaOps;
  bootTime: number;
  /** node:crypto in the simulator, the pure-JS port in the XS suite. */
  crypto: CryptoPort;
  /** Network clients (Node sockets), absent for a host without network such as the XS suite's. */
  network?: NetworkProvider;
  /** The board's Modbus RS-485 port (sim/serial/modbus-board.ts). */
  modbus?: SerialPortDescription;
  /** Files the firmware reads as resources (a register map given with --register-map). */
  resources?: Readonly<Record<string, Uint8Array>>;
  /** The device's id (the simulator's --id): MQTT client id and topics. */
  deviceId?: string;
  /** The board's sensors (sim/sensors/board.ts): its I2C bus and 4–20 mA input. */
  sensors?: SimSensorBoard;
  log: (line: string) => void;
}

/** The simulator's Host: the same contract firmware/platform/esp32/host.ts fulfils on the chip. */
export function createSimHost(parts: SimHostParts): Host {
  const { clock, domain, gpio, pins, boot, bootTime, log } = parts;
  return {
    platform: "sim",
    device: {
      io: { Digital: createDigitalClass(gpio, domain) },
      ...(parts.network ? { network: parts.network } : {}),
      pin: { ...pins },
      ...(parts.modbus ? { serial: { modbus: parts.modbus } } : {}),
      ...(parts.sensors
        ? {
            I2C: { default: { io: createI2CClass(parts.sensors.i2c, domain), data: BOARD_I2C.data, clock: BOARD_I2C.clock } },
            Analog: { default: { io: createAnalogClass(parts.sensors.analog, domain), pin: BOARD_LOOP_PIN } },
          }
        : {}),
    },
    ...(parts.deviceId ? { deviceId: parts.deviceId } : {}),
    timer: createTimerService(clock, domain),
    clock: { ticks: () => Math.floor(clock.now() - bootTime), microseconds: () => (clock.now() - bootTime) * 1000 },
    boot,
    flash: createFlashStorage(
      parts.flash,
      parts.partitions,
      { running: () => parts.ota.getRunningPartition(), nextUpdate: () => parts.ota.getNextUpdatePartition() },
      domain,
    ),
    update: createUpdateModule(() => parts.ota, domain),
    crypto: parts.crypto,
    log: (line) => {
      if (domain.alive) log(line);
    },
    ...(parts.resources ? { resources: { read: (name: string) => parts.resources![name]?.slice() } } : {}),
  };
}
