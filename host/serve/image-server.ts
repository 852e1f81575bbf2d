import { createHash } from "node:crypto";
import { readFileSync, statSync } from "node:fs";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { basename } from "node:path";
import { parseRange } from "./byte-range";

/** One line of the access log: who fetched what, and how much of it. */
export interface FetchRecord {
  time: string;
  client: string;
  method: string;
  path: string;
  range: string | null;
  status: number;
  bytes: number;
  ms: number;
  /** The peer closed the connection before the response was sent whole. */
  aborted: boolean;
}

export interface ServedImage {
  name: string;
  path: string;
  size: number;
  etag: string;
}

export interface ImageServerOptions {
  files: readonly string[];
  host: string;
  port: number;
  onFetch?: (record: FetchRecord) => void;
  /**
   * Bytes per second for each transfer, at most: a site's thin uplink shared
   * with production traffic, or a field link to rehearse a resume on.
   */
  maxRate?: number;
}

export interface RunningImageServer {
  url: string;
  images: readonly ServedImage[];
  close(): Promise<void>;
}

/**
 * Serves image files by name, with what resumable OTA downloads need: Range
 * (206 + Content-Range, 416 past the end), HEAD, a strong ETag from the
 * content's SHA-256 so a client can tell the file changed, and an access log
 * of every transfer. Files are read once at start; the server never writes.
 */
export async function startImageServer(options: ImageServerOptions): Promise<RunningImageServer> {
  const byName = new Map<string, { image: ServedImage; bytes: Buffer }>();
  for (const path of options.files) {
    const bytes = readFileSync(path);
    const name = basename(path);
    if (byName.has(name)) throw new Error(`two files named ${name}; serve them from separate runs or rename one`);
    const etag = `"${createHash("sha256").update(bytes).digest("hex").slice(0, 32)}"`;
    byName.set(name, { image: { name, path, size: statSync(path).size, etag }, bytes });
  }

  const server = http.createServer((req, res) => {
    const started = performance.now();
    const method = req.method ?? "GET";
    const path = decodeURIComponent((req.url ?? "/").split("?")[0]!);
    let sent = 0;
    // Read now: once the peer has gone the socket no longer knows its address.
    const client = `${req.socket.remoteAddress ?? "?"}:${req.socket.remotePort ?? 0}`;
    const log = (status: number, aborted: boolean) =>
      options.onFetch?.({
        time: new Date().toISOString(),
        client,
        method,
        path,
        range: req.headers.range ?? null,
        status,
        bytes: sent,
        ms: Math.round(performance.now() - started),
        aborted,
      });
    const entry = byName.get(path.replace(/^\//, ""));
    if (method !== "GET" && method !== "HEAD") {
      res.writeHead(405, { allow: "GET, HEAD" }).end();
      return log(405, false);
    }
    if (entry === undefined) {
      res.writeHead(404, { "content-type": "text/plain" }).end(`no image ${path}; this server has ${[...byName.keys()].map((n) => `/${n}`).join(", ")}\n`);
      return log(404, false);
    }
    const { image, bytes } = entry;
    const range = parseRange(req.headers.range, image.size);
    if (range === "unsatisfiable") {
      res.writeHead(416, { "content-range": `bytes */${image.size}` }).end();
      return log(416, false);
    }
    const start = range?.start ?? 0;
    const end = range?.end ?? image.size - 1;
    const headers: http.OutgoingHttpHeaders = {
      "content-type": "application/octet-stream",
      "content-length": end - start + 1,
      "accept-ranges": "bytes",
      etag: image.etag,
    };
    if (range !== undefined) headers["content-range"] = `bytes ${start}-${end}/${image.size}`;
    const status = range === undefined ? 200 : 206;
    res.writeHead(status, headers);
    if (method === "HEAD") {
      res.end();
      return log(status, false);
    }
    const body = bytes.subarray(start, end + 1);
    if (options.maxRate === undefined) res.end(body);
    else sendPaced(res, body, options.maxRate);
    res.on("finish", () => {
      sent = body.length;
      log(status, false);
    });
    res.on("close", () => {
      if (!res.writableFinished) {
        sent = res.socket?.bytesWritten ?? 0;
        log(status, true);
      }
    });
  });

  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port, options.host, () => {
      server.off("error", reject);
      resolve();
    });
  });
  const { address, port } = server.address() as AddressInfo;
  const host = address.includes(":") ? `[${address}]` : address;
  return {
    url: `http://${host}:${port}`,
    images: [...byName.values()].map((e) => e.image),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** Twenty slices a second, so the rate holds over any part of the transfer. */
const PACE_MS = 50;

function sendPaced(res: http.ServerResponse, body: Buffer, bytesPerSecond: number): void {
  const slice = Math.max(1, Math.floor((bytesPerSecond * PACE_MS) / 1000));
  let at = 0;
  const next = (): void => {
    if (res.destroyed) return;
    const end = Math.min(body.length, at + slice);
    const chunk = body.subarray(at, end);
    at = end;
    if (at >= body.length) {
      res.end(chunk);
      return;
    }
    res.write(chunk);
    setTimeout(next, PACE_MS);
  };
  next();
}
