/**
 * `npm start`: one simulated fieldnode device in real time, with its embedded
 * defaults. See --help.
 */
import { loadDevicePartitionTable } from "./boot/device-partition-table";
import { buildSimFirmware } from "./build/firmware-image";
import { USAGE, UsageError, parseSimOptions } from "./cli/options";
import { RealClock } from "./clock/real-clock";
import { openDeviceFlash } from "./device/flash-store";
import { isBlank, provisionFactoryImage } from "./device/provision";
import { DEFAULT_PINS, SimDevice, type ConsoleLine } from "./device/sim-device";

async function main(argv: readonly string[]): Promise<number> {
  const options = parseSimOptions(argv);
  if (options === "help") {
    process.stdout.write(USAGE);
    return 0;
  }
  const partitions = loadDevicePartitionTable();
  const store = openDeviceFlash(options.stateDir, options.id);
  try {
    if (isBlank(store.flash, partitions)) {
      const build = await buildSimFirmware({ version: options.firmwareVersion });
      provisionFactoryImage(store.flash, partitions, build.image);
      console.log(`provisioned a blank flash with fieldnode ${build.version} in ota_0 (${build.image.length} bytes)`);
    } else if (options.firmwareVersion !== undefined) {
      console.log(`--firmware-version ignored: ${store.location} already holds firmware (delete it for a factory-new device)`);
    }
  } catch (error) {
    store.close();
    throw error;
  }

  const clock = new RealClock();
  const device = new SimDevice({ id: options.id, clock, flash: store.flash, partitions });
  console.log(`fieldnode simulator: device ${options.id}, flash ${store.location}`);
  console.log(`  status LED on GPIO ${DEFAULT_PINS.led}; Ctrl-C to power off${options.stateDir ? " (the flash file keeps its state)" : ""}`);
  device.onConsole((line) => {
    if (!options.quiet || line.source === "chip") console.log(formatConsoleLine(line));
  });
  device.powerOn();

  await new Promise<void>((resolve) => {
    const stop = (): void => {
      device.powerCut();
      store.close();
      resolve();
    };
    process.once("SIGINT", stop);
    process.once("SIGTERM", stop);
    if (options.duration !== undefined) setTimeout(stop, options.duration * 1000);
  });
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
