/**
 * `npm run bench -- ota`: a signed update through the OTA client (download
 * over loopback, streaming verification, staging into the inactive slot,
 * esp_ota_end + boot switch) beside a bare transfer of the same bytes over the
 * same loopback with the same HTTP client and the same 4 KiB reads, in the
 * same run, for two image sizes; with the live JS heap the client adds
 * while updating. Then the full flow on a simulated device running a real build:
 * download and install, reset, trial boot and confirmation (virtual clock: the
 * 15 s soak costs no wall time; what is measured is the work).
 *
 * Goal: the update within 1.5x of the bare transfer; heap independent of image size.
 */
import { TRIAL_DEADLINE_MS } from "../../firmware/boot/trial-timing";
import { createHash } from "node:crypto";
import { performance } from "node:perf_hooks";
import * as zlib from "node:zlib";
import { createHttpClientClass } from "../../sim/net/http-client";
import { PowerDomain } from "../../sim/device/power-domain";
import { BOOT_DELAY_MS, RESTART_DELAY_MS, otaOutcome, runningDevice, signedBuild } from "../ota-client/e2e-fixture";
import { boot, device, signedImage, type Device } from "../ota-client/fixture";
import { serveImage } from "../ota-client/image-server";

const gc = (globalThis as { gc?: (options?: { type?: "minor" | "major" }) => void }).gc;
const RUNS = 21;
const HEAP_RUNS = 3;
const GOAL = 1.5;
/** Steps of virtual time while waiting for the trial's verdict (its health checks poll every 250 ms). */
const TRIAL_STEP_MS = 250;
/** A verdict must come before the trial's deadline. */
const TRIAL_LIMIT_MS = TRIAL_DEADLINE_MS;

/**
 * Before a timed run: lets the previous run's socket callbacks finish, and
 * collects the young garbage its setup left, so neither side of a comparison
 * pays for the other's. Not a full GC: right after one, a transfer here
 * measured twice as slow (a cold heap), which would flatter every ratio.
 */
async function settle(): Promise<void> {
  for (let i = 0; i < 3; i++) await new Promise((resolve) => setImmediate(resolve));
  gc?.({ type: "minor" });
}

/** Before a heap baseline: every socket of earlier runs closed and collected, so the baseline holds only what stays. */
async function quiesce(): Promise<void> {
  await new Promise((resolve) => setTimeout(resolve, 10));
  gc?.();
}

/**
 * The live JS heap. Not ArrayBuffer memory: in this process that also counts
 * the image server's socket buffers in flight, which would swamp the client's
 * own fixed buffers (a 4 KiB read buffer, a 1 KiB header buffer).
 */
function liveBytes(): number {
  return process.memoryUsage().heapUsed;
}

/**
 * Wall time, and the CPU time the process spent in it. On a machine that
 * other work shares, the wall time of a few milliseconds swings with the
 * scheduler; CPU time counts only work done, so its ratio holds steady.
 */
interface Timing {
  ms: number;
  cpuMs: number;
}

function stopwatch(): () => Timing {
  const wall = performance.now();
  const cpu = process.cpuUsage();
  return () => {
    const used = process.cpuUsage(cpu);
    return { ms: performance.now() - wall, cpuMs: (used.user + used.system) / 1000 };
  };
}

async function bareTransfer(url: string): Promise<Timing> {
  const { hostname, port, pathname } = new URL(url);
  const HttpClient = createHttpClientClass(new PowerDomain((e) => { throw e; }));
  const buffer = new Uint8Array(4096);
  await settle();
  const stop = stopwatch();
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
  return stop();
}

/**
 * The inactive slot as every update but a device's first finds it: holding
 * an older image (here, bytes of the same length). The simulated flash keeps
 * memory only for sectors that hold data, so on a blank slot the chip itself
 * would grow by the image's size during the update, and the heap figure would
 * count the chip's storage as the client's memory.
 */
function occupyInactiveSlot(dev: Device, length: number): void {
  dev.flash.erase(dev.ota1.offset, Math.ceil(length / 4096) * 4096);
  dev.flash.write(dev.ota1.offset, new Uint8Array(length).fill(0x5a));
}

/**
 * Wall time of one update, from startDownload to the status that says it is
 * installed (the boot partition switched; the restart is not part of it), and
 * the live heap it adds, measured after a full GC at half way.
 */
async function otaUpdate(url: string, length: number, measureHeap: boolean): Promise<{ time: Timing; heapAdded: number }> {
  const dev = device();
  if (measureHeap) occupyInactiveSlot(dev, length);
  const { client } = boot(dev, { restartDelayMs: 0 });
  if (measureHeap) await quiesce();
  else await settle();
  const base = liveBytes();
  let added = Number.NaN;
  if (measureHeap && gc) {
    const stop = client.onStatus((status) => {
      if (status.percent < 50) return;
      stop();
      gc!();
      added = liveBytes() - base;
    });
  }
  const outcome = otaOutcome(client);
  const stop = stopwatch();
  client.startDownload({ url });
  const status = await outcome;
  const time = stop();
  if (status.state !== "rebooting") throw new Error(`update failed: ${status.error?.code} ${status.error?.message}`);
  return { time, heapAdded: added };
}

/**
 * The whole update of a simulated device running a real build: the client's
 * download and install, then the restart, the trial boot on the new image and
 * its confirmation, ending when otadata says the image is valid.
 */
async function fullFlow(url: string): Promise<{ install: Timing; confirm: Timing; virtualMs: number }> {
  const dev = await runningDevice("1.0.0", "bench");
  try {
    const client = dev.sim.app!.ota;
    const outcome = otaOutcome(client);
    await settle();
    const stopInstall = stopwatch();
    client.startDownload({ url });
    const status = await outcome;
    const install = stopInstall();
    const stopConfirm = stopwatch();
    const from = dev.clock.now();
    dev.clock.advance(RESTART_DELAY_MS + BOOT_DELAY_MS);
    while (dev.sim.imageState() === "pending-verify" && dev.clock.now() - from < TRIAL_LIMIT_MS) dev.clock.advance(TRIAL_STEP_MS);
    const confirm = stopConfirm();
    if (status.state !== "rebooting" || dev.sim.lastBoot?.version !== "2.0.0" || dev.sim.imageState() !== "valid") {
      throw new Error(`full flow did not confirm 2.0.0: ${status.state} ${status.error?.code ?? ""}; booted ${dev.sim.lastBoot?.version} (${dev.sim.imageState()})`);
    }
    return { install, confirm, virtualMs: dev.clock.now() - from };
  } finally {
    dev.sim.powerCut();
  }
}

/**
 * The checks no faithful update can skip, alone: the image's CRC-32 and
 * SHA-256 as the streaming verifier computes them (4 KiB at a time, native
 * code), and the SHA-256 esp_ota_end computes again over the slot. What the
 * bare transfer plus this takes is the lowest ratio any implementation that
 * keeps those checks can reach on this machine.
 */
function requiredChecks(image: Uint8Array): number {
  const crc32 = (zlib as { crc32?: (data: Uint8Array, value?: number) => number }).crc32;
  const start = performance.now();
  const stream = createHash("sha256");
  let crc = 0;
  for (let at = 0; at < image.length; at += 4096) {
    const chunk = image.subarray(at, at + 4096);
    if (crc32) crc = crc32(chunk, crc);
    stream.update(chunk);
  }
  stream.digest();
  createHash("sha256").update(image).digest();
  return performance.now() - start;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

const ms = (value: number) => `${value.toFixed(1).padStart(10)} ms`;

/** Medians of wall and CPU time, separately. */
function medianTiming(timings: readonly Timing[]): Timing {
  return { ms: median(timings.map((t) => t.ms)), cpuMs: median(timings.map((t) => t.cpuMs)) };
}

function plus(a: Timing, b: Timing): Timing {
  return { ms: a.ms + b.ms, cpuMs: a.cpuMs + b.cpuMs };
}

function row(label: string, bare: Timing, ota: Timing, heap: string): string {
  const ratio = (ota.ms / bare.ms).toFixed(2).padStart(5);
  const cpuRatio = `${(ota.cpuMs / bare.cpuMs).toFixed(2)}x`.padStart(9);
  return `${label.padEnd(24)} | ${ms(bare.ms)} | ${ms(ota.ms)} | ${ratio}x | ${cpuRatio} | ${heap}`;
}

export async function run(): Promise<void> {
  const rows: string[] = [];
  const ratios: number[] = [];
  const heaps: number[] = [];
  const floors: string[] = [];
  for (const size of [512 * 1024, 1536 * 1024]) {
    const image = signedImage("2.0.0", { payloadBytes: size - 200 });
    const server = await serveImage(image);
    const bare: Timing[] = [];
    const ota: Timing[] = [];
    const heap: number[] = [];
    const checks: number[] = [];
    await bareTransfer(server.url); // warm-up: JIT and the loopback path, for both sides
    await otaUpdate(server.url, image.length, false);
    // Interleaved, so that a busy moment on the machine lands on both sides.
    for (let i = 0; i < RUNS; i++) {
      bare.push(await bareTransfer(server.url));
      ota.push((await otaUpdate(server.url, image.length, false)).time);
      checks.push(requiredChecks(image));
    }
    for (let i = 0; i < HEAP_RUNS; i++) heap.push((await otaUpdate(server.url, image.length, true)).heapAdded);
    await server.close();
    const bareTime = medianTiming(bare);
    const otaTime = medianTiming(ota);
    ratios.push(otaTime.ms / bareTime.ms);
    heaps.push(median(heap));
    rows.push(row(`${(image.length / 1048576).toFixed(2)} MiB synthetic`, bareTime, otaTime, `${(median(heap) / 1024).toFixed(0).padStart(6)} KiB`));
    floors.push(
      `  ${(image.length / 1048576).toFixed(2)} MiB: CRC-32 + 2 x SHA-256 alone take ${median(checks).toFixed(1)} ms, ` +
        `so no update that keeps them can be under ${((bareTime.ms + median(checks)) / bareTime.ms).toFixed(2)}x here`,
    );
  }

  const build = await signedBuild("2.0.0");
  const server = await serveImage(build);
  const bare: Timing[] = [];
  const install: Timing[] = [];
  const confirm: Timing[] = [];
  await bareTransfer(server.url);
  const { virtualMs } = await fullFlow(server.url);
  for (let i = 0; i < RUNS; i++) {
    bare.push(await bareTransfer(server.url));
    const flow = await fullFlow(server.url);
    install.push(flow.install);
    confirm.push(flow.confirm);
  }
  await server.close();
  const bareTime = medianTiming(bare);
  const installTime = medianTiming(install);
  const flowTime = medianTiming(install.map((t, i) => plus(t, confirm[i]!)));

  console.log(`image                    | bare transfer |    OTA update | ratio | CPU ratio | live heap added at 50%`);
  console.log(`-------------------------|---------------|---------------|-------|-----------|-----------------------`);
  for (const line of rows) console.log(line);
  console.log(row(`${(build.length / 1048576).toFixed(2)} MiB real, full flow`, bareTime, flowTime, "   n/a"));
  console.log(
    `  full flow = download+verify+write+install ${installTime.ms.toFixed(1)} ms (${(installTime.ms / bareTime.ms).toFixed(2)}x the bare transfer, CPU ${(installTime.cpuMs / bareTime.cpuMs).toFixed(2)}x)` +
      ` + reset, trial boot and confirmation ${medianTiming(confirm).ms.toFixed(1)} ms (${(virtualMs / 1000).toFixed(2)} s of virtual time)`,
  );
  console.log(`  medians of ${RUNS} interleaved runs; synthetic rows: download+verify+write+install, until the boot partition is switched`);
  console.log("  ratio: wall time; CPU ratio: process CPU time (steadier where other work shares the machine)");
  for (const floor of floors) console.log(floor);
  if (!gc) console.log("(no heap figures: run through npm run bench, which passes --expose-gc)");
  const worst = Math.max(...ratios);
  console.log(
    `goal: OTA within ${GOAL}x of the bare transfer (worst ${worst.toFixed(2)}x: ${worst <= GOAL ? "met" : "NOT met"}); ` +
      `heap independent of image size (${heaps.map((h) => `${(h / 1024).toFixed(0)} KiB`).join(" vs ")})`,
  );
}
