/**
 * `npm start`: one simulated fieldnode device in real time, with its embedded
 * defaults; `--fleet N` runs N of them (sim/fleet/run-fleet.ts). See --help.
 */
import { loadDevicePartitionTable } from "./boot/device-partition-table";
import { buildSimFirmware } from "./build/firmware-image";
import { USAGE, UsageError, parseSimOptions } from "./cli/options";
import { RealClock } from "./clock/real-clock";
import { devKeyDir, ensureDevSigningKey, ensureDevTechnicianKey } from "./device/dev-signing-key";
import { openDeviceFlash } from "./device/flash-store";
import { isBlank, provisionFactoryImage } from "./device/provision";
import { DEFAULT_PINS, SimDevice, type ConsoleLine } from "./device/sim-device";
import { loadRegisterMapFile, startModbusAccess } from "./serial/modbus-access";
import { startSensorConsole } from "./sensors/console";
import { runFleet } from "./fleet/run-fleet";

async function main(argv: readonly string[]): Promise<number> {
  const options = parseSimOptions(argv);
  if (options === "help") {
    process.stdout.write(USAGE);
    return 0;
  }
  let resources: Record<string, Uint8Array> | undefined;
  if (options.registerMap !== undefined) {
    try {
      resources = loadRegisterMapFile(options.registerMap);
    } catch (error) {
      throw new UsageError(error instanceof Error ? error.message : String(error));
    }
  }
  if (options.fleet !== undefined) return runFleet({ ...options, fleet: options.fleet }, resources);
  const partitions = loadDevicePartitionTable();
  const store = openDeviceFlash(options.stateDir, options.id);
  const keyDir = devKeyDir(options.stateDir, options.id);
  const key = ensureDevSigningKey(keyDir);
  const technician = ensureDevTechnicianKey(keyDir);
  try {
    if (isBlank(store.flash, partitions)) {
      const build = await buildSimFirmware({ version: options.firmwareVersion, trustedKeys: [key.publicFile], technicianKeys: [technician.publicFile] });
      provisionFactoryImage(store.flash, partitions, build.image);
      console.log(`provisioned a blank flash with fieldnode ${build.version} in ota_0 (${build.image.length} bytes)`);
    } else if (options.firmwareVersion !== undefined) {
      console.log(`--firmware-version ignored: ${store.location} already holds firmware (delete it for a factory-new device)`);
    }
  } catch (error) {
    store.close();
    throw error;
  }

  let sensorConsole: Awaited<ReturnType<typeof startSensorConsole>>;
  try {
    sensorConsole = await startSensorConsole({
      id: options.id,
      mqtt: options.mqtt,
      faults: options.faults,
      watch: options.watch,
      print: (line) => console.log(line),
      printError: (line) => console.error(line),
    });
  } catch (error) {
    store.close();
    throw error;
  }

  const clock = new RealClock();
  const device = new SimDevice({
    id: options.id,
    clock,
    flash: store.flash,
    partitions,
    portMap: { 80: options.httpPort },
    // Real time cannot place characters to the microsecond: the UART hands
    // bytes over in bursts, as the ESP32's does.
    modbusReceiveTiming: "burst",
    ...(resources ? { resources } : {}),
    ...(sensorConsole.broker ? { mqtt: sensorConsole.broker } : {}),
  });
  console.log(`fieldnode simulator: device ${options.id}, flash ${store.location}`);
  console.log(`  OTA signing key (trusted by the provisioned image): ${key.privatePath}${key.created ? " (new)" : ""}`);
  console.log(`  technician key (its signed commands are obeyed): ${technician.privatePath}${technician.created ? " (new)" : ""}`);
  let announced = false;
  device.onConsole((line) => {
    const bound = /^net: device port 80 listening on (127\.0\.0\.1:\d+)$/.exec(line.text);
    if (bound && !announced) {
      announced = true;
      console.log(`  OTA over HTTP: curl -T IMAGE http://${bound[1]}/ota   (status: curl http://${bound[1]}/ota)`);
      console.log(`    make IMAGE: npm run build -- --sim --version X.Y.Z --trust ${key.publicPath} --technician ${technician.publicPath}`);
      console.log(`                npx fieldnode sign --key ${key.privatePath} --version X.Y.Z build/sim/fieldnode-X.Y.Z.bin --out IMAGE`);
      const broker = sensorConsole.broker;
      if (broker !== undefined) {
        const flag = broker.host === "127.0.0.1" && broker.port === 1883 ? "" : ` --broker mqtt://${broker.host}:${broker.port}`;
        console.log(`  OTA over MQTT: npx fieldnode ota push --device ${options.id} --key ${technician.privatePath} --image IMAGE${flag}`);
      }
    }
  });
  console.log(`  status LED on GPIO ${DEFAULT_PINS.led}; Ctrl-C to power off${options.stateDir ? " (the flash file keeps its state)" : ""}`);
  device.onConsole((line) => {
    if (!options.quiet || line.source === "chip") console.log(formatConsoleLine(line));
  });
  for (const line of sensorConsole.lines) console.log(line);
  device.powerOn();
  await sensorConsole.attach(device);
  let modbus: Awaited<ReturnType<typeof startModbusAccess>> | undefined;
  if (options.modbusPty !== undefined || options.modbusTcp !== undefined) {
    try {
      modbus = await startModbusAccess(device.modbus, clock, {
        ...(options.modbusPty !== undefined ? { pty: options.modbusPty } : {}),
        ...(options.modbusTcp !== undefined ? { tcp: options.modbusTcp } : {}),
        onError: (message) => console.error(message),
      });
      for (const line of modbus.lines) console.log(line);
    } catch (error) {
      device.powerCut();
      store.close();
      await sensorConsole.close();
      throw new UsageError(error instanceof Error ? error.message : String(error));
    }
  }

  await new Promise<void>((resolve) => {
    let timer: NodeJS.Timeout | undefined;
    const stop = (): void => {
      if (timer !== undefined) clearTimeout(timer);
      device.powerCut();
      store.close();
      resolve();
    };
    process.once("SIGINT", stop);
    process.once("SIGTERM", stop);
    if (options.duration !== undefined) timer = setTimeout(stop, options.duration * 1000);
  });
  await modbus?.close();
  await sensorConsole.close();
  console.log(`powered off; ${device.lastBoot ? `last boot ran ${device.lastBoot.version} from ${device.lastBoot.slot}` : "nothing booted"}`);
  return 0;
}

function formatConsoleLine(line: ConsoleLine): string {
  return `[${(line.time / 1000).toFixed(3).padStart(9)}] ${line.source.padEnd(4)} ${line.text}`;
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    console.error(error instanceof UsageError ? `npm start: ${error.message}` : error);
    process.exitCode = error instanceof UsageError ? 2 : 1;
  },
);
