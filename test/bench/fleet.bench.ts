/**
 * `npm run bench -- fleet`: 100 simulated devices (real firmware, real time,
 * one embedded broker) updated with `fieldnode ota` machinery, at 20 at a
 * time, beside the same bytes moved without it, in the same run:
 *
 *   1. plain: 100 HTTP GETs of the image from the same image server, 20 at a
 *      time (the floor: bytes over loopback, nothing else);
 *   2. download phase: signed ota.start to each device, 20 in flight, a slot
 *      freed when the device reports "rebooting" (command, download, streaming
 *      verification, flash write, install): what the OTA machinery costs over
 *      the plain transfer;
 *   3. full rollout: `fieldnode ota rollout --concurrency 20` of the next
 *      version, through the CLI, until every device confirmed its trial. The
 *      firmware's trial needs 15 s of uptime, and the devices run on a real
 *      clock, so this figure is dominated by ~15 s per round of 20: it is
 *      reported on its own, with that floor, not as a ratio to (1).
 *
 * Broker messages per device update are counted on the broker (PUBLISH
 * packets it received) during (3), OTA topics only (telemetry goes on).
 */
import http from "node:http";
import { performance } from "node:perf_hooks";
import { DeviceWatch } from "../../host/commands/device-watch";
import { timeoutsFor, updateDevice, type OtaJob } from "../../host/ota/device-update";
import { imageFacts } from "../../host/ota/image-facts";
import { connectBroker } from "../../host/mqtt/broker-connection";
import { parseBrokerAddress, type BrokerAddress } from "../../host/mqtt/broker-url";
import { startImageServer } from "../../host/serve/image-server";
import { readFileSync } from "node:fs";
import { basename } from "node:path";
import type { EmbeddedBroker } from "../../sim/net/broker";
import { startEmbeddedBroker } from "../../sim/net/broker";
import { startSimFleet } from "../cli/ota-sim-fixture";
import { fieldnode } from "../cli/ota-support";

const DEVICES = 100;
const CONCURRENCY = 20;
const TRIAL_MIN_UPTIME_S = 15;

async function pool<T>(items: readonly T[], size: number, work: (item: T) => Promise<void>): Promise<void> {
  const queue = [...items];
  await Promise.all(
    Array.from({ length: size }, async () => {
      for (let item = queue.shift(); item !== undefined; item = queue.shift()) await work(item);
    }),
  );
}

function get(url: string): Promise<number> {
  return new Promise((resolve, reject) => {
    http
      .get(url, (res) => {
        let bytes = 0;
        res.on("data", (chunk: Buffer) => (bytes += chunk.length));
        res.on("end", () => resolve(bytes));
        res.on("error", reject);
      })
      .on("error", reject);
  });
}

/** Waits until `check` holds for every device's retained OTA report. */
async function waitForFleet(broker: string, check: (row: { online: boolean | null; report: { state: string; running: string } | null }) => boolean, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const run = await fieldnode("ota", "status", "--broker", broker, "--json");
    const rows = run.stdout.split("\n").filter(Boolean).map((l) => JSON.parse(l) as { online: boolean | null; report: { state: string; running: string } | null });
    if (rows.length === DEVICES && rows.every(check)) return;
    if (Date.now() > deadline) throw new Error(`fleet did not settle within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 500));
  }
}

function countOtaPublishes(broker: EmbeddedBroker): { counts: Map<string, number>; reset(): void } {
  const counts = new Map<string, number>();
  broker.aedes.on("publish", (packet, client) => {
    if (client === null) return; // the broker's own ($SYS, wills are counted as the device's status below)
    const kind = /\/cmd$/.test(packet.topic) ? "cmd" : /\/ota\/status$/.test(packet.topic) ? "ota/status" : /\/status$/.test(packet.topic) ? "status" : undefined;
    if (kind !== undefined) counts.set(kind, (counts.get(kind) ?? 0) + 1);
  });
  return { counts, reset: () => counts.clear() };
}

export async function run(): Promise<void> {
  process.stdout.isTTY = false;
  const broker = await startEmbeddedBroker();
  const messages = countOtaPublishes(broker);
  const bootStart = performance.now();
  const sim = await startSimFleet(DEVICES, { mqtt: { host: broker.host, port: broker.port } });
  try {
    await waitForFleet(broker.url, (r) => r.online === true && r.report !== null, 120_000);
    console.log(`${DEVICES} devices up in ${((performance.now() - bootStart) / 1000).toFixed(1)} s (real firmware, RealClock, one aedes broker)`);

    const v2 = await sim.image("2.0.0");
    const v3 = await sim.image("3.0.0");
    const bytes = readFileSync(v2).length;

    // 1. The floor: the same bytes, plain GETs, 20 at a time.
    const server = await startImageServer({ files: [v2], host: "127.0.0.1", port: 0 });
    const url = `${server.url}/${basename(v2)}`;
    let t = performance.now();
    let moved = 0;
    await pool(sim.fleet.devices.map((d) => d.id), CONCURRENCY, async () => {
      const received = await get(url);
      moved += received;
    });
    const plainMs = performance.now() - t;

    // 2. The download phase through the OTA machinery, 20 in flight.
    const address = parseBrokerAddress(broker.url) as BrokerAddress;
    const connection = await connectBroker(address);
    const watch = await DeviceWatch.start(connection, "fieldnode", "all");
    const facts = imageFacts(new Uint8Array(readFileSync(v2)));
    const job: OtaJob = { url, version: facts.version, sha256: facts.sha256, allowDowngrade: false };
    t = performance.now();
    const finals: Array<Promise<unknown>> = [];
    const latencies: number[] = [];
    await pool(sim.fleet.devices.map((d) => d.id), CONCURRENCY, (id) =>
      new Promise<void>((installed, failed) => {
        const started = performance.now();
        const done = updateDevice({ connection, watch, key: sim.technician }, id, job, {
          timeouts: timeoutsFor(60),
          onEvent: (e) => {
            if (e.kind === "state" && e.report.state === "rebooting") {
              latencies.push(performance.now() - started);
              installed();
            }
          },
        });
        finals.push(done);
        void done.then((o) => (o.result === "confirmed" ? undefined : failed(new Error(`${id}: ${o.result} ${o.error?.code ?? ""} ${o.error?.message ?? ""}`))));
      }),
    );
    const downloadMs = performance.now() - t;
    await Promise.all(finals);
    watch.close();
    await connection.close();
    await server.close();
    await waitForFleet(broker.url, (r) => r.report?.state === "confirmed" && r.report.running === "2.0.0", 120_000);

    // 3. The full rollout of 3.0.0 through the CLI, trial included.
    messages.reset();
    t = performance.now();
    const rollout = await fieldnode("ota", "rollout", "--key", sim.technicianPath, "--image", v3, "--pattern", "node-*", "--canary", "0", "--waves", "100%", "--concurrency", String(CONCURRENCY), "--broker", broker.url, "--timeout", "60", "--json");
    const fullMs = performance.now() - t;
    if (rollout.code !== 0) throw new Error(`rollout failed (${rollout.code}): ${rollout.stderr}\n${rollout.stdout.split("\n").slice(-3).join("\n")}`);
    const perUpdate = [...messages.counts].map(([k, n]) => `${k} ${(n / DEVICES).toFixed(1)}`).join(", ");
    const totalPerUpdate = [...messages.counts.values()].reduce((a, b) => a + b, 0) / DEVICES;

    const mib = (bytes / 1048576).toFixed(2);
    const rounds = Math.ceil(DEVICES / CONCURRENCY);
    console.log(`image ${mib} MiB; ${DEVICES} devices, ${CONCURRENCY} at a time; ${(moved / 1048576).toFixed(1)} MiB moved by the plain GETs`);
    console.log("phase                                          | time      | vs plain GETs");
    console.log("-----------------------------------------------|-----------|--------------");
    console.log(`plain HTTP GETs of the image (peer)            | ${(plainMs / 1000).toFixed(2).padStart(7)} s | 1.00x`);
    console.log(`OTA download phase (ota.start .. "rebooting")  | ${(downloadMs / 1000).toFixed(2).padStart(7)} s | ${(downloadMs / plainMs).toFixed(2)}x`);
    console.log(`full rollout via CLI, trial included           | ${(fullMs / 1000).toFixed(2).padStart(7)} s | (floor: ${rounds} rounds x ${TRIAL_MIN_UPTIME_S} s trial = ${rounds * TRIAL_MIN_UPTIME_S} s)`);
    const sorted = [...latencies].sort((a, b) => a - b);
    console.log(`one device's download phase while 20 run: median ${(sorted[sorted.length >> 1]! / 1000).toFixed(2)} s, slowest ${(sorted.at(-1)! / 1000).toFixed(2)} s (all ${DEVICES} devices share this process's one thread)`);
    console.log(`broker messages per device update (OTA topics, PUBLISH received): ${totalPerUpdate.toFixed(1)} (${perUpdate})`);
    console.log("clock: real time for every figure; the trial's 15 s of uptime is why (3) is reported beside its floor, not as a ratio");
  } finally {
    await sim.close();
    await broker.close();
  }
}
