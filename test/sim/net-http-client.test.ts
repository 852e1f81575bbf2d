import http from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import type { HttpRequest } from "../../firmware/host/http";
import { PowerDomain } from "../../sim/device/power-domain";
import { createHttpClientClass } from "../../sim/net/http-client";

const servers: http.Server[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => new Promise((r) => s.close(r))));
});

async function serve(handler: http.RequestListener): Promise<number> {
  const server = http.createServer(handler);
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return (server.address() as AddressInfo).port;
}

const body = new Uint8Array(200_000).map((_, i) => (i * 7) & 0xff);

function fetchAll(port: number, path: string, headers = new Map<string, string>(), domain = new PowerDomain((e) => { throw e; })) {
  const HttpClient = createHttpClientClass(domain);
  const client = new HttpClient({ host: "127.0.0.1", port });
  return new Promise<{ status: number; headers: Map<string, string>; bytes: Uint8Array; error: Error | null }>((resolve) => {
    let status = 0;
    let received = new Map<string, string>();
    const parts: Uint8Array[] = [];
    const chunk = new Uint8Array(4096);
    client.request({
      path,
      headers,
      onHeaders(s, h) {
        status = s;
        received = h;
      },
      onReadable(this: HttpRequest, count) {
        while (count > 0) {
          const n = this.read(chunk);
          parts.push(chunk.slice(0, n));
          count -= n;
        }
      },
      onDone(error) {
        const total = parts.reduce((a, p) => a + p.length, 0);
        const bytes = new Uint8Array(total);
        let at = 0;
        for (const p of parts) {
          bytes.set(p, at);
          at += p.length;
        }
        client.close();
        resolve({ status, headers: received, bytes, error });
      },
    });
  });
}

describe("simulated ECMA-419 HTTP client", () => {
  it("delivers the whole body through read(buffer), then onDone(null)", async () => {
    const port = await serve((_, res) => res.end(Buffer.from(body)));
    const result = await fetchAll(port, "/image");
    expect(result.status).toBe(200);
    expect(result.error).toBeNull();
    expect(result.bytes).toEqual(body);
  });

  it("sends request headers and reports response headers in lower case", async () => {
    const port = await serve((req, res) => {
      res.setHeader("Content-Range", `bytes 100-199/${body.length}`);
      res.statusCode = 206;
      res.end(req.headers.range ?? "none");
    });
    const result = await fetchAll(port, "/image", new Map([["range", "bytes=100-199"]]));
    expect(result.status).toBe(206);
    expect(result.headers.get("content-range")).toBe("bytes 100-199/200000");
    expect(new TextDecoder().decode(result.bytes)).toBe("bytes=100-199");
  });

  it("ends with onDone(Error) when the server drops the connection mid-body", async () => {
    const port = await serve((_, res) => {
      res.setHeader("Content-Length", body.length);
      res.write(Buffer.from(body.subarray(0, 50_000)), () => res.socket?.destroy());
    });
    const result = await fetchAll(port, "/image");
    expect(result.error).toBeInstanceOf(Error);
    expect(result.bytes.length).toBeLessThan(body.length);
    expect(result.bytes).toEqual(body.subarray(0, result.bytes.length));
  });

  it("ends with onDone(Error) when nothing listens", async () => {
    const port = await serve(() => {});
    await new Promise((r) => servers.pop()!.close(r));
    const result = await fetchAll(port, "/");
    expect(result.error).toBeInstanceOf(Error);
  });

  it("delivers nothing more after its power domain ends", async () => {
    const port = await serve((_, res) => {
      res.setHeader("Content-Length", body.length);
      res.write(Buffer.from(body.subarray(0, 1000)));
    });
    const domain = new PowerDomain((e) => {
      throw e;
    });
    const HttpClient = createHttpClientClass(domain);
    const client = new HttpClient({ host: "127.0.0.1", port });
    let calls = 0;
    await new Promise<void>((resolve) => {
      client.request({
        onHeaders() {
          calls++;
          domain.end();
          setTimeout(resolve, 50);
        },
        onReadable() {
          calls++;
        },
        onDone() {
          calls++;
        },
      });
    });
    expect(calls).toBe(1);
  });
});
