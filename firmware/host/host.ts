import type { BootControl } from "../boot/boot-control";
import type { CryptoPort } from "../crypto/crypto-port";
import type { DeviceProvider } from "./io";
import type { FlashStorage } from "./storage";
import type { UpdateProvider } from "./update";
import type { Clock, TimerService } from "./timer";

/**
 * Everything the firmware may touch, handed in by the host that runs it: the
 * ESP32 platform (firmware/platform/esp32) or the simulator (sim/). The
 * composition root receives it; no firmware module reaches for a global.
 */
export interface Host {
  /** "esp32" on the device, "sim" in the simulator. */
  readonly platform: string;
  /**
   * This device's identity for MQTT client ids and topics: "fieldnode-" and
   * the factory MAC on ESP32, the simulator's --id. Absent: "fieldnode".
   */
  readonly deviceId?: string;
  readonly device: DeviceProvider;
  readonly timer: TimerService;
  readonly clock: Clock;
  readonly boot: BootControl;
  /** Data partitions (settings, OTA progress) and the app slots. */
  readonly flash: FlashStorage;
  /** Writes a new app image to the inactive slot and switches the boot partition. */
  readonly update: UpdateProvider;
  /** SHA-256, CRC-32 and signature checks: native on the device, node:crypto in the simulator. */
  readonly crypto: CryptoPort;
  /** One line of diagnostic output (Moddable `trace`, the simulator's console). */
  readonly log: (line: string) => void;
  /** Read-only files built into the image or given to the simulator (e.g. "modbus-map.json"). */
  readonly resources?: { read(name: string): Uint8Array | undefined };
}
