import type { BuildFault } from "../../../firmware/build-info";
import { loadDevicePartitionTable } from "../../../sim/boot/device-partition-table";
import { OtaOps } from "../../../sim/boot/ota-ops";
import { buildSimFirmware } from "../../../sim/build/firmware-image";
import { VirtualClock } from "../../../sim/clock/virtual-clock";
import { FLASH_SIZE } from "../../../sim/device/flash-store";
import { provisionFactoryImage } from "../../../sim/device/provision";
import { SimDevice } from "../../../sim/device/sim-device";
import { NorFlash } from "../../../sim/flash/nor-flash";

/** A factory-fresh simulated device on virtual time, running `version`. */
export async function factoryDevice(version = "1.0.0", flash = new NorFlash({ size: FLASH_SIZE })) {
  const partitions = loadDevicePartitionTable();
  const clock = new VirtualClock();
  const build = await buildSimFirmware({ version });
  provisionFactoryImage(flash, partitions, build.image);
  const device = new SimDevice({ id: "test-node", clock, flash, partitions });
  const appLines = () => device.console.filter((l) => l.source === "app").map((l) => l.text);
  const chipLines = () => device.console.filter((l) => l.source === "chip").map((l) => l.text);
  return { device, clock, flash, partitions, appLines, chipLines };
}

/**
 * Writes a build into the slot the running firmware would update and switches
 * the boot partition to it, as a completed OTA does (esp_ota_set_boot_partition).
 */
export async function stageUpdate(
  device: SimDevice,
  options: { version: string; fault?: BuildFault },
): Promise<void> {
  const build = await buildSimFirmware(options);
  const running = device.partitions.find(device.lastBoot!.slot)!;
  const ops = new OtaOps(device.flash, device.partitions, { rollback: true, running });
  const next = ops.getNextUpdatePartition();
  device.flash.erase(next.offset, Math.ceil(build.image.length / 4096) * 4096);
  device.flash.write(next.offset, build.image);
  ops.setBootPartition(next);
}
