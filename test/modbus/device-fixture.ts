/**
 * A simulated device in real time with its Modbus port reachable from this
 * process's sockets and tools: RTU over TCP always, a pty when socat is there.
 */
import { loadDevicePartitionTable } from "../../sim/boot/device-partition-table";
import { buildSimFirmware } from "../../sim/build/firmware-image";
import { RealClock } from "../../sim/clock/real-clock";
import { FLASH_SIZE } from "../../sim/device/flash-store";
import { provisionFactoryImage } from "../../sim/device/provision";
import { SimDevice } from "../../sim/device/sim-device";
import { NorFlash } from "../../sim/flash/nor-flash";
import { startModbusAccess, type ModbusAccess } from "../../sim/serial/modbus-access";

export interface RealTimeDevice {
  device: SimDevice;
  access: ModbusAccess;
  appLines(): string[];
  close(): Promise<void>;
}

export async function realTimeDevice(options: { version?: string; pty?: string } = {}): Promise<RealTimeDevice> {
  const partitions = loadDevicePartitionTable();
  const flash = new NorFlash({ size: FLASH_SIZE });
  const build = await buildSimFirmware({ version: options.version ?? "1.2.3" });
  provisionFactoryImage(flash, partitions, build.image);
  const clock = new RealClock();
  const device = new SimDevice({ id: "interop", clock, flash, partitions, modbusReceiveTiming: "burst" });
  const appLines = () => device.console.filter((l) => l.source === "app").map((l) => l.text);
  device.powerOn();
  const deadline = Date.now() + 20_000;
  while (!appLines().some((l) => l.startsWith("modbus: RTU slave"))) {
    if (Date.now() > deadline) throw new Error(`the device did not start its Modbus slave:\n${device.console.map((l) => l.text).join("\n")}`);
    await new Promise((r) => setTimeout(r, 20));
  }
  const access = await startModbusAccess(device.modbus, clock, {
    tcp: { host: "127.0.0.1", port: 0 },
    ...(options.pty !== undefined ? { pty: options.pty } : {}),
  });
  return {
    device,
    access,
    appLines,
    async close() {
      await access.close();
      device.powerCut();
    },
  };
}
