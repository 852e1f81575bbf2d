/**
 * The portable boot path on XS: the bootloader model choosing a slot from
 * otadata, the rollback rules, and the composition root running on the
 * simulator's host models, all from flash bytes.
 */
import partitionsCsv from "../../../firmware/platform/esp32/sdkconfig/partitions.csv";
import { start } from "../../../firmware/app";
import { createPureJsCrypto } from "../../../firmware/crypto/pure-js";
import type { SettingsSection } from "../../../firmware/config/settings";
import { Bootloader } from "../../../sim/boot/bootloader";
import { buildAppImage } from "../../../sim/boot/esp-app-image";
import { OtaOps } from "../../../sim/boot/ota-ops";
import { parsePartitionTable } from "../../../sim/boot/partition-table";
import { VirtualClock } from "../../../sim/clock/virtual-clock";
import { PowerDomain } from "../../../sim/device/power-domain";
import { provisionFactoryImage } from "../../../sim/device/provision";
import { createSimHost } from "../../../sim/device/sim-host";
import { NorFlash } from "../../../sim/flash/nor-flash";
import { GpioBank } from "../../../sim/io/gpio-bank";
import { toHex } from "./support/hex";

const table = parsePartitionTable(partitionsCsv);
const flash = new NorFlash({ size: 4 * 1024 * 1024 });
const image = (version: string) =>
  buildAppImage({ version, projectName: "fieldnode", secureVersion: 0, payload: new Uint8Array(2000).fill(0x20), time: "00:00:00", date: "Jan  1 2026" });

function boot() {
  const selection = new Bootloader(flash, table, { rollback: true }).boot();
  return { slot: selection.slot.name, state: selection.state, version: selection.image.descriptor.version };
}

const counter: SettingsSection<number> = { name: "counter", defaults: 0, validate: (v) => Number(v) };

export const scenarios = {
  "a factory image boots from ota_0 and is recorded valid": () => {
    provisionFactoryImage(flash, table, image("1.0.0"));
    return boot();
  },

  "an updated slot boots on trial, then is abandoned if not marked valid": () => {
    const running = table.find("ota_0")!;
    const ops = new OtaOps(flash, table, { rollback: true, running });
    const next = ops.getNextUpdatePartition();
    const update = image("2.0.0");
    flash.erase(next.offset, Math.ceil(update.length / 4096) * 4096);
    flash.write(next.offset, update);
    ops.setBootPartition(next);
    const trial = boot();
    const after = boot();
    return { trial, after, otadata: toHex(flash.read(table.otadata()!.offset, 32)) };
  },

  "the composition root runs on the simulator's host models": () => {
    const clock = new VirtualClock();
    const gpio = new GpioBank([2]);
    const faults: string[] = [];
    const domain = new PowerDomain((error) => faults.push(String(error)));
    const log: string[] = [];
    const running = table.find("ota_0")!;
    const ops = new OtaOps(flash, table, { rollback: true, running });
    let feeds = 0;
    const host = createSimHost({
      clock, domain, gpio, pins: { led: 2 }, flash, partitions: table, bootTime: 0,
      ota: ops,
      crypto: createPureJsCrypto(),
      boot: {
        runningSlot: () => running.name,
        imageState: () => ops.getStatePartition(running),
        slotState: (slot) => ops.slotState(slot),
        markValid: () => ops.markAppValidCancelRollback(),
        markInvalidAndReboot: () => {},
        restart: () => {},
        resetReason: () => "power-on",
        feedWatchdog: () => feeds++,
      },
      log: (line) => log.push(line),
    });
    const app = start(host);
    clock.advance(10_000);
    app.settings.set(counter, 42);
    app.stop();
    return { log, led: gpio.state(2).transitions, feeds, faults, pending: clock.pending };
  },
};
