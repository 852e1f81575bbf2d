import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import http from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { startImageServer, type FetchRecord, type RunningImageServer } from "../../../host/serve/image-server";
import { boot, device, signedImage } from "../../ota-client/fixture";

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0)) await c();
});

async function serving(bytes: Uint8Array, name = "fieldnode-2.0.0.img", maxRate?: number) {
  const dir = mkdtempSync(join(tmpdir(), "fieldnode-serve-"));
  writeFileSync(join(dir, name), bytes);
  const log: FetchRecord[] = [];
  const server: RunningImageServer = await startImageServer({ files: [join(dir, name)], host: "127.0.0.1", port: 0, onFetch: (r) => log.push(r), ...(maxRate ? { maxRate } : {}) });
  cleanups.push(() => server.close(), () => rmSync(dir, { recursive: true }));
  return { server, log, url: `${server.url}/${name}` };
}

function get(url: string, headers: Record<string, string> = {}, method = "GET") {
  return new Promise<{ status: number; headers: http.IncomingHttpHeaders; body: Buffer }>((resolve, reject) => {
    const req = http.request(url, { method, headers }, (res) => {
      const parts: Buffer[] = [];
      res.on("data", (c: Buffer) => parts.push(c));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(parts) }));
    });
    req.on("error", reject);
    req.end();
  });
}

const bytes = new Uint8Array(10_000).map((_, i) => i & 0xff);

describe("fieldnode serve", () => {
  it("serves the whole image with its length, Accept-Ranges and a content ETag", async () => {
    const { url } = await serving(bytes);
    const res = await get(url);
    expect(res.status).toBe(200);
    expect(res.headers["content-length"]).toBe("10000");
    expect(res.headers["accept-ranges"]).toBe("bytes");
    expect(res.headers.etag).toMatch(/^"[0-9a-f]{32}"$/);
    expect(new Uint8Array(res.body)).toEqual(bytes);
  });

  it("holds a transfer to --max-rate: 10 000 bytes at 20 000 B/s take at least 450 ms, intact", async () => {
    const { url } = await serving(bytes, "fieldnode-2.0.0.img", 20_000);
    const started = performance.now();
    const res = await get(url);
    // A lower bound only: a slow machine makes it slower, never faster.
    expect(performance.now() - started).toBeGreaterThanOrEqual(450);
    expect(new Uint8Array(res.body)).toEqual(bytes);
  });

  it("logs who it was when a client goes away mid-transfer", async () => {
    const { url, log } = await serving(bytes, "fieldnode-2.0.0.img", 2_000);
    await new Promise<void>((resolve) => {
      const req = http.get(url, (res) => {
        res.once("data", () => {
          req.destroy();
          resolve();
        });
      });
      req.on("error", () => {});
    });
    while (log.length === 0) await new Promise((r) => setTimeout(r, 10));
    expect(log[0]).toMatchObject({ status: 200, aborted: true, client: expect.stringMatching(/^127\.0\.0\.1:\d+$/) });
  });

  it("answers a Range with 206, Content-Range and exactly those bytes", async () => {
    const { url } = await serving(bytes);
    const res = await get(url, { range: "bytes=9000-" });
    expect(res.status).toBe(206);
    expect(res.headers["content-range"]).toBe("bytes 9000-9999/10000");
    expect(new Uint8Array(res.body)).toEqual(bytes.subarray(9000));
  });

  it("answers 416 with the size for a range past the end", async () => {
    const { url } = await serving(bytes);
    const res = await get(url, { range: "bytes=10000-" });
    expect(res.status).toBe(416);
    expect(res.headers["content-range"]).toBe("bytes */10000");
  });

  it("answers HEAD without a body, and 404 naming what it has", async () => {
    const { server, url } = await serving(bytes);
    expect((await get(url, {}, "HEAD")).body.length).toBe(0);
    const missing = await get(`${server.url}/other.img`);
    expect(missing.status).toBe(404);
    expect(missing.body.toString()).toBe("no image /other.img; this server has /fieldnode-2.0.0.img\n");
  });

  it("logs who fetched what: client, path, range, status and bytes", async () => {
    const { url, log } = await serving(bytes);
    await get(url, { range: "bytes=100-199" });
    await new Promise((r) => setTimeout(r, 20));
    expect(log).toHaveLength(1);
    expect(log[0]).toMatchObject({ method: "GET", path: "/fieldnode-2.0.0.img", range: "bytes=100-199", status: 206, bytes: 100, aborted: false });
    expect(log[0]!.client).toMatch(/^127\.0\.0\.1:\d+$/);
  });

  it("is what a device's OTA client downloads from", async () => {
    const image = signedImage("2.0.0");
    const { url } = await serving(image);
    const dev = device();
    const { client, settled, nextBoot } = boot(dev);
    client.startDownload({ url });
    expect((await settled()).state).toBe("rebooting");
    expect(nextBoot().version).toBe("2.0.0");
  });
});
