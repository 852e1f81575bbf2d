/**
 * A field demonstration: `npm start`'s device (real time, firmware from its
 * flash, embedded broker) serving a register map with the sensor channels
 * (the blocks of docs/sensors.md) on Modbus RTU over a pty and TCP, with a
 * sensor fault on a schedule. Watch it with mosquitto_sub and mbpoll:
 *
 *   node --import tsx test/sensors/field-demo.ts --fault sht3x=disconnect@20+15 --duration 60
 *
 * (`npm start -- --register-map FILE` serves such a map once the simulator's
 * map check knows the "sensors" source: firmware/sensors/modbus-source.ts
 * describeSensorSource().)
 */
import { parseArgs } from "node:util";
import { REGISTER_MAP_RESOURCE } from "../../firmware/modbus/modbus";
import { SENSOR_REGISTER_BLOCKS } from "../../firmware/sensors/modbus-map";
import { loadDevicePartitionTable } from "../../sim/boot/device-partition-table";
import { buildSimFirmware } from "../../sim/build/firmware-image";
import { RealClock } from "../../sim/clock/real-clock";
import { FLASH_SIZE } from "../../sim/device/flash-store";
import { provisionFactoryImage } from "../../sim/device/provision";
import { SimDevice } from "../../sim/device/sim-device";
import { NorFlash } from "../../sim/flash/nor-flash";
import { parseFault } from "../../sim/sensors/board";
import { startSensorConsole } from "../../sim/sensors/console";
import { startModbusAccess } from "../../sim/serial/modbus-access";

/**
 * The sensor blocks firmware/sensors/modbus-map.ts proposes for the default
 * map: input registers 100–105 the values (exception 04 unless ok), 110–115
 * their quality codes, 120–125 the held values.
 */
export const SENSOR_MAP = { description: "fieldnode sensor demo map", blocks: [...SENSOR_REGISTER_BLOCKS] };

const { values } = parseArgs({
  options: { fault: { type: "string", multiple: true }, duration: { type: "string" }, pty: { type: "string" }, id: { type: "string" } },
});
const id = values.id ?? "fieldnode-001";
const faults = (values.fault ?? []).map((text) => {
  const match = /^([^@]+)(?:@(\d+(?:\.\d+)?)(?:\+(\d+(?:\.\d+)?))?)?$/.exec(text)!;
  return { ...parseFault(match[1]!), at: Number(match[2] ?? 0), duration: match[3] === undefined ? undefined : Number(match[3]) };
});

const partitions = loadDevicePartitionTable();
const flash = new NorFlash({ size: FLASH_SIZE });
provisionFactoryImage(flash, partitions, (await buildSimFirmware()).image);
const sensorConsole = await startSensorConsole({ id, mqtt: undefined, faults, watch: false, print: (l) => console.log(l), printError: (l) => console.error(l) });
const clock = new RealClock();
const device = new SimDevice({
  id,
  clock,
  flash,
  partitions,
  modbusReceiveTiming: "burst",
  mqtt: sensorConsole.broker!,
  resources: { [REGISTER_MAP_RESOURCE]: new TextEncoder().encode(JSON.stringify(SENSOR_MAP)) },
});
device.onConsole((line) => console.log(`[${(line.time / 1000).toFixed(3).padStart(9)}] ${line.source.padEnd(4)} ${line.text}`));
for (const line of sensorConsole.lines) console.log(line);
device.powerOn();
await sensorConsole.attach(device);
const access = await startModbusAccess(device.modbus, clock, { tcp: { host: "127.0.0.1", port: 0 }, ...(values.pty ? { pty: values.pty } : {}) });
for (const line of access.lines) console.log(line);
console.log("  sensor registers: input 100-105 values (int16 ×100; pressure ×10; loop_current ×1000; 04 unless ok), 110-115 quality codes, 120-125 held values");
console.log("    read a value register on its own: a request covering a faulty channel's value answers 04 as a whole");

await new Promise<void>((resolve) => {
  const stop = () => resolve();
  process.once("SIGINT", stop);
  process.once("SIGTERM", stop);
  if (values.duration !== undefined) setTimeout(stop, Number(values.duration) * 1000);
});
device.powerCut();
await access.close();
await sensorConsole.close();
console.log("powered off");
