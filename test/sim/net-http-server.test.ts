import http from "node:http";
import { afterEach, describe, expect, it } from "vitest";
import type { HttpConnection, HttpServer } from "../../firmware/host/http-server";
import { PowerDomain } from "../../sim/device/power-domain";
import { createHttpServerClass } from "../../sim/net/http-server";

const servers: HttpServer[] = [];
afterEach(() => {
  for (const s of servers.splice(0)) s.close();
});

function start(onConnect: (this: HttpServer, connection: HttpConnection) => void): Promise<{ port: number; faults: unknown[] }> {
  const faults: unknown[] = [];
  const domain = new PowerDomain((error) => faults.push(error));
  return new Promise((resolve) => {
    const Server = createHttpServerClass(domain, { hostPort: () => 0, onListening: (_, port) => resolve({ port, faults }) });
    servers.push(new Server({ port: 80, onConnect }));
  });
}

function send(port: number, method: string, path: string, body?: Uint8Array): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: "127.0.0.1", port, method, path }, (res) => {
      let text = "";
      res.on("data", (c: Buffer) => (text += c.toString()));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body: text }));
    });
    req.on("error", reject);
    req.end(body === undefined ? undefined : Buffer.from(body));
  });
}

describe("simulated ECMA-419 HTTP server", () => {
  it("delivers a PUT body through onReadable/read, then onResponse, then onDone", async () => {
    const events: string[] = [];
    let received = 0;
    const chunk = new Uint8Array(1000);
    const { port } = await start(function (connection) {
      connection.accept({
        onRequest(request) {
          events.push(`request ${request.method} ${request.path} ${request.headers.get("content-length")}`);
        },
        onReadable(count) {
          while (count > 0) {
            const n = this.read(chunk);
            received += n;
            count -= n;
          }
        },
        onResponse(response) {
          events.push(`response after ${received} bytes`);
          response.status = 204;
          this.respond(response);
        },
        onDone() {
          events.push("done");
        },
      });
    });
    const result = await send(port, "PUT", "/ota", new Uint8Array(300_000));
    expect(result.status).toBe(204);
    await new Promise((r) => setTimeout(r, 20));
    expect(events).toEqual(["request PUT /ota 300000", "response after 300000 bytes", "done"]);
  });

  it("lets a route chosen in onRequest take over the callbacks", async () => {
    const { port } = await start(function (connection) {
      connection.accept({
        onRequest(request) {
          this.route = {
            onResponse(response) {
              const body = new TextEncoder().encode(`routed ${request.path}`);
              response.headers.set("content-length", body.length);
              this.respond(response);
              this.write(body);
            },
          };
        },
      });
    });
    expect(await send(port, "GET", "/status")).toEqual({ status: 200, body: "routed /status" });
  });

  it("asks for a body announced by content-length through onWritable", async () => {
    const { port } = await start(function (connection) {
      const body = new Uint8Array(50_000).fill(0x61);
      let sent = 0;
      connection.accept({
        onResponse(response) {
          response.headers.set("content-length", body.length);
          this.respond(response);
        },
        onWritable(count) {
          const n = Math.min(count, body.length - sent);
          this.write(body.subarray(sent, sent + n));
          sent += n;
        },
      });
    });
    const result = await send(port, "GET", "/big");
    expect(result.body.length).toBe(50_000);
  });

  it("answers 200 with no body when the route does not respond itself", async () => {
    const { port } = await start((connection) => connection.accept({}));
    expect(await send(port, "POST", "/x", new Uint8Array(10))).toEqual({ status: 200, body: "" });
  });

  it("reports a client that goes away mid-body with onError", async () => {
    const errors: string[] = [];
    const { port } = await start(function (connection) {
      connection.accept({ onError: (message) => errors.push(message), onReadable(count) { this.read(count); } });
    });
    await new Promise<void>((resolve) => {
      const req = http.request({ host: "127.0.0.1", port, method: "PUT", path: "/ota", headers: { "content-length": "100000" } });
      req.on("error", () => resolve());
      req.write(Buffer.alloc(1000), () => setTimeout(() => req.destroy(), 20));
      req.on("close", () => resolve());
    });
    await new Promise((r) => setTimeout(r, 50));
    expect(errors).toEqual(["connection lost"]);
  });
});
