/**
 * `npm run bench -- ota`: a 1.5 MiB signed update through the OTA client
 * (download over loopback, streaming verification, staging into the inactive
 * slot, esp_ota_end + boot switch) beside a bare transfer of the same bytes
 * over the same loopback with the same HTTP client, in the same run. Then the
 * reset, trial boot and confirmation on a simulated device (virtual clock: the
 * 15 s soak costs no wall time; what is measured is the work). Memory: the
 * heap the client holds while updating, for two image sizes.
 */
import { performance } from "node:perf_hooks";
import { createHttpClientClass } from "../../sim/net/http-client";
import { PowerDomain } from "../../sim/device/power-domain";
import { boot, device, signedImage } from "../ota-client/fixture";
import { serveImage } from "../ota-client/image-server";

const gc = (globalThis as { gc?: () => void }).gc;

async function bareTransfer(url: string): Promise<number> {
  const { hostname, port, pathname } = new URL(url);
  const HttpClient = createHttpClientClass(new PowerDomain((e) => { throw e; }));
  const buffer = new Uint8Array(4096);
  const start = performance.now();
  await new Promise<void>((resolve, reject) => {
    const client = new HttpClient({ host: hostname, port: Number(port), onError: reject });
    client.request({
      path: pathname,
      onReadable(count) {
        while (count > 0) count -= this.read(buffer);
      },
      onDone(error) {
        client.close();
        if (error) reject(error);
        else resolve();
      },
    });
  });
  return performance.now() - start;
}

/** Wall time of one update, and the live heap it adds, measured after a full GC at half way. */
async function otaUpdate(url: string, measureHeap: boolean): Promise<{ ms: number; heapAdded: number }> {
  const dev = device();
  const { client, settled } = boot(dev, { restartDelayMs: 0 });
  gc?.();
  const base = process.memoryUsage().heapUsed;
  let added = Number.NaN;
  if (measureHeap && gc) {
    const stop = client.onStatus((status) => {
      if (status.percent < 50) return;
      stop();
      gc!();
      added = process.memoryUsage().heapUsed - base;
    });
  }
  const start = performance.now();
  client.startDownload({ url });
  const status = await settled();
  const ms = performance.now() - start - 30; // settled() waits 30 ms after the client finishes
  if (status.state !== "rebooting") throw new Error(`update failed: ${status.error?.code} ${status.error?.message}`);
  return { ms, heapAdded: added };
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

export async function run(): Promise<void> {
  const sizes = [512 * 1024, 1536 * 1024];
  const rows: string[] = [];
  for (const size of sizes) {
    const image = signedImage("2.0.0", { payloadBytes: size - 200 });
    const server = await serveImage(image);
    const bare: number[] = [];
    const ota: number[] = [];
    const heap: number[] = [];
    for (let i = 0; i < 7; i++) {
      bare.push(await bareTransfer(server.url));
      ota.push((await otaUpdate(server.url, false)).ms);
    }
    for (let i = 0; i < 3; i++) heap.push((await otaUpdate(server.url, true)).heapAdded);
    await server.close();
    const mib = (image.length / 1048576).toFixed(2);
    rows.push(
      `${mib.padStart(6)} MiB | ${median(bare).toFixed(1).padStart(8)} ms | ${median(ota).toFixed(1).padStart(8)} ms | ${(median(ota) / median(bare)).toFixed(2).padStart(5)}x | ${(median(heap) / 1024).toFixed(0).padStart(6)} KiB`,
    );
  }
  console.log("image      | bare transfer | OTA client (download+verify+write+install) | ratio | live heap added at 50%");
  console.log("-----------|---------------|--------------------------------------------|-------|-----------------------");
  for (const row of rows) console.log(row);
  if (!gc) console.log("(no heap figures: run through npm run bench, which passes --expose-gc)");
  console.log("goal: OTA within 1.5x of the bare transfer; heap independent of image size");
}
