import http from "node:http";
import type { AddressInfo } from "node:net";

export interface ServeFaults {
  /** Destroy the connection after sending this many body bytes, on the first `times` requests. */
  dropAfter?: number;
  dropTimes?: number;
  /** Stop sending (keep the connection open) after this many bytes, on the first `times` requests. */
  stallAfter?: number;
  stallTimes?: number;
  /** Answer 200 with the whole image even when asked for a range. */
  ignoreRange?: boolean;
  /** Answer 206 starting at this offset whatever was asked. */
  wrongRangeStart?: number;
  /** Status to answer instead of serving. */
  status?: number;
}

export interface ImageServer {
  url: string;
  /** Range headers of every request, in order ("" for none). */
  ranges: string[];
  close(): Promise<void>;
}

/** An image server on loopback with Range support and the faults a field network has. */
export async function serveImage(image: Uint8Array, faults: ServeFaults = {}): Promise<ImageServer> {
  const ranges: string[] = [];
  let requests = 0;
  const sockets = new Set<import("node:net").Socket>();
  const server = http.createServer((req, res) => {
    const n = requests++;
    ranges.push(req.headers.range ?? "");
    if (faults.status !== undefined) {
      res.statusCode = faults.status;
      return res.end("no");
    }
    let start = 0;
    const match = /^bytes=(\d+)-$/.exec(req.headers.range ?? "");
    if (match && !faults.ignoreRange) {
      start = faults.wrongRangeStart ?? Number(match[1]);
      res.statusCode = 206;
      res.setHeader("content-range", `bytes ${start}-${image.length - 1}/${image.length}`);
    }
    const body = Buffer.from(image.buffer, image.byteOffset + start, image.length - start);
    res.setHeader("content-length", body.length);
    const drop = faults.dropAfter !== undefined && n < (faults.dropTimes ?? 1);
    const stall = faults.stallAfter !== undefined && n < (faults.stallTimes ?? 1);
    if (drop) {
      res.write(body.subarray(0, faults.dropAfter), () => res.socket?.destroy());
    } else if (stall) {
      res.write(body.subarray(0, faults.stallAfter));
    } else {
      res.end(body);
    }
  });
  server.on("connection", (socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/fieldnode.img`,
    ranges,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}
