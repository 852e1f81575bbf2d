import type { BootControl } from "../../firmware/boot/boot-control";
import type { Host } from "../../firmware/host/host";
import type { NetworkProvider, PinSpecifier } from "../../firmware/host/io";
import type { OtaOps } from "../boot/ota-ops";
import type { PartitionTable } from "../boot/partition-table";
import type { SimClock } from "../clock/sim-clock";
import type { NorFlash } from "../flash/nor-flash";
import { createDigitalClass } from "../io/digital";
import { createFlashStorage } from "../io/flash-storage";
import type { GpioBank } from "../io/gpio-bank";
import { createTimerService } from "../io/timer";
import { createUpdateModule } from "../io/update";
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
  /** Network clients (Node sockets), absent for a host without network such as the XS suite's. */
  network?: NetworkProvider;
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
    },
    timer: createTimerService(clock, domain),
    clock: { ticks: () => Math.floor(clock.now() - bootTime) },
    boot,
    flash: createFlashStorage(
      parts.flash,
      parts.partitions,
      { running: () => parts.ota.getRunningPartition(), nextUpdate: () => parts.ota.getNextUpdatePartition() },
      domain,
    ),
    update: createUpdateModule(() => parts.ota, domain),
    log: (line) => {
      if (domain.alive) log(line);
    },
  };
}
