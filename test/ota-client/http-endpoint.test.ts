import http from "node:http";
import { afterEach, describe, expect, it } from "vitest";
import type { HttpServer } from "../../firmware/host/http-server";
import { serveOtaEndpoint } from "../../firmware/ota/http-endpoint";
import { createHttpServerClass } from "../../sim/net/http-server";
import { request } from "./e2e-fixture";
import { boot, device, signedImage } from "./fixture";

const servers: HttpServer[] = [];
afterEach(() => {
  for (const s of servers.splice(0)) s.close();
});

async function endpoint() {
  const dev = device();
  const device1 = boot(dev);
  const port = await new Promise<number>((resolve) => {
    const Server = createHttpServerClass(device1.domain, { hostPort: () => 0, onListening: (_, p) => resolve(p) });
    servers.push(serveOtaEndpoint(Server, device1.client));
  });
  return { ...device1, port };
}

describe("PUT /ota", () => {
  it("installs a signed image and answers with its version", async () => {
    const { port, nextBoot, restarts } = await endpoint();
    const image = signedImage("2.1.0");
    expect(await request(port, "PUT", "/ota", image)).toEqual({ status: 200, json: { result: "installed", version: "2.1.0", restarting: true } });
    await new Promise((r) => setTimeout(r, 30));
    expect(restarts).toHaveLength(1);
    expect(nextBoot().version).toBe("2.1.0");
  });

  it("answers 422 with the verifier's code for a tampered image, and installs nothing", async () => {
    const { port, nextBoot } = await endpoint();
    const image = signedImage("2.1.0");
    image[image.length - 1]! ^= 0x80;
    const { status, json } = await request(port, "PUT", "/ota", image);
    expect(status).toBe(422);
    expect(json.error).toBe("CRC_MISMATCH");
    expect(nextBoot().version).toBe("1.0.0");
  });

  it("answers 422 DOWNGRADE for an older version", async () => {
    const { port } = await endpoint();
    const { status, json } = await request(port, "PUT", "/ota", signedImage("0.5.0"));
    expect({ status, error: json.error }).toEqual({ status: 422, error: "DOWNGRADE" });
  });

  it("answers 409 BUSY while a download runs", async () => {
    const { port, client } = await endpoint();
    const stalled = http.createServer((_, res) => res.write("x"));
    await new Promise<void>((r) => stalled.listen(0, "127.0.0.1", r));
    client.startDownload({ url: `http://127.0.0.1:${(stalled.address() as { port: number }).port}/img` });
    const { status, json } = await request(port, "PUT", "/ota", signedImage("2.1.0"));
    client.cancel();
    stalled.closeAllConnections();
    stalled.close();
    expect({ status, error: json.error }).toEqual({ status: 409, error: "BUSY" });
  });

  it("reports the client's status on GET /ota", async () => {
    const { port } = await endpoint();
    expect(await request(port, "GET", "/ota")).toEqual({ status: 200, json: { state: "idle", bytes: 0, percent: 0, attempt: 0 } });
  });

  it("answers 404 elsewhere and 405 for other methods", async () => {
    const { port } = await endpoint();
    expect((await request(port, "GET", "/")).status).toBe(404);
    expect((await request(port, "POST", "/ota", new Uint8Array(3))).status).toBe(405);
  });
});
