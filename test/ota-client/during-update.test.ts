/**
 * An update must not take the device off its other jobs: while the OTA
 * client downloads and writes an image, the Modbus slave answers every
 * request on the wire and every sensor takes every sample on its slot. The
 * download is stretched over several seconds of device time by a server that
 * stalls once, so the work really overlaps (virtual time: the verdict does
 * not depend on this machine's speed; the real-time figures are the
 * benchmarks').
 */
import { afterEach, describe, expect, it } from "vitest";
import { appendCrc } from "../../firmware/modbus/crc16";
import { parseSemver, type Semver } from "../../firmware/ota/semver";
import { signImage } from "../../host/keys/image-signing";
import { generateKey, parsePrivateKeyPem } from "../../host/keys/key-files";
import { loadDevicePartitionTable } from "../../sim/boot/device-partition-table";
import { buildSimFirmware } from "../../sim/build/firmware-image";
import { VirtualClock } from "../../sim/clock/virtual-clock";
import { FLASH_SIZE } from "../../sim/device/flash-store";
import { provisionFactoryImage } from "../../sim/device/provision";
import { SimDevice } from "../../sim/device/sim-device";
import { NorFlash } from "../../sim/flash/nor-flash";
import { LineMaster } from "../../sim/serial/line-master";
import { pump, pumpUntil } from "../telemetry/support";
import { serveImage } from "./image-server";

const key = generateKey("p256", "release");
const trustedKeys = [key.publicFile];

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

describe("the device during an update", () => {
  it("answers every Modbus request and takes every sensor sample on its slot while the image downloads", async () => {
    const partitions = loadDevicePartitionTable();
    const flash = new NorFlash({ size: FLASH_SIZE });
    provisionFactoryImage(flash, partitions, (await buildSimFirmware({ version: "1.0.0", trustedKeys })).image);
    const build = await buildSimFirmware({ version: "2.0.0", trustedKeys });
    const image = signImage({ payload: build.image, version: parseSemver("2.0.0") as Semver, securityCounter: 0, target: "esp32" }, parsePrivateKeyPem(key.privatePem, "key"));
    const server = await serveImage(image, { stallAfter: image.length >> 1, stallTimes: 1 });
    cleanups.push(() => server.close());
    const clock = new VirtualClock();
    const dev = new SimDevice({ id: "busy", clock, flash, partitions });
    cleanups.push(() => dev.powerCut());
    dev.powerOn();
    await pump(clock, 3_000);
    const master = new LineMaster(dev.modbus.line, clock, { baud: 19200, parity: "even", stopBits: 1 });
    const app = dev.app!;
    const samplesBefore = app.sensors.sensors.map((s) => s.counters.samples);
    const overrunsBefore = app.sensors.overruns;
    const started = clock.now();

    expect(app.ota.startDownload({ url: server.url })).toBeUndefined();
    let requests = 0;
    const replies: number[][] = [];
    master.onFrame((frame) => replies.push([...frame.bytes]));
    // FC 03, holding register 0 (the slave address) every 100 ms until the image is in.
    const request = new Uint8Array(8);
    request.set([1, 3, 0, 0, 0, 1]);
    appendCrc(request, 6);
    await pumpUntil(
      clock,
      () => {
        if (clock.now() - started >= requests * 100) {
          master.send(request);
          requests++;
        }
        return app.ota.status.state === "rebooting";
      },
      "the image installed",
      30_000,
    );
    const elapsed = clock.now() - started;
    await pump(clock, 100);

    expect(elapsed).toBeGreaterThan(5_000); // the stall stretched it: the work overlapped
    expect(app.ota.status.attempt).toBe(2);
    expect(replies).toHaveLength(requests);
    expect(new Set(replies.map((r) => r.join(" ")))).toEqual(new Set(["1 3 2 0 1 121 132"]));
    expect(app.sensors.overruns).toBe(overrunsBefore);
    app.sensors.sensors.forEach((sensor, i) => {
      const expected = Math.floor(elapsed / sensor.interval);
      expect(sensor.counters.samples - samplesBefore[i]!, sensor.name).toBeGreaterThanOrEqual(expected - 1);
    });
  });
});
