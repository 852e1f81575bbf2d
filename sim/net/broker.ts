/**
 * The simulator's embedded MQTT broker: aedes on a TCP port, for `npm start`
 * and the end-to-end tests. close() drops every connection at once (as a
 * broker process that dies would), so devices see the broker go away and
 * must reconnect to a new one.
 */
import * as net from "node:net";
import { Aedes } from "aedes";

export interface EmbeddedBroker {
  readonly host: string;
  readonly port: number;
  /** mqtt://host:port */
  readonly url: string;
  readonly aedes: Aedes;
  close(): Promise<void>;
}

export interface BrokerOptions {
  /** 0 picks a free port. */
  port?: number;
  host?: string;
}

export async function startEmbeddedBroker(options: BrokerOptions = {}): Promise<EmbeddedBroker> {
  const host = options.host ?? "127.0.0.1";
  const aedes = await Aedes.createBroker();
  const sockets = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
    aedes.handle(socket);
  });
  try {
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(options.port ?? 0, host, () => {
        server.off("error", reject);
        resolve();
      });
    });
  } catch (error) {
    await new Promise<void>((resolve) => aedes.close(() => resolve()));
    throw error;
  }
  const port = (server.address() as net.AddressInfo).port;
  let closed: Promise<void> | undefined;
  return {
    host,
    port,
    url: `mqtt://${host}:${port}`,
    aedes,
    close() {
      closed ??= (async () => {
        const stopped = new Promise<void>((resolve) => server.close(() => resolve()));
        for (const socket of sockets) socket.destroy();
        await new Promise<void>((resolve) => aedes.close(() => resolve()));
        await stopped;
      })();
      return closed;
    },
  };
}

/** Starts the broker on `port`, or on a free port when that one is taken. */
export async function startEmbeddedBrokerPreferring(port: number, host?: string): Promise<EmbeddedBroker> {
  try {
    return await startEmbeddedBroker({ port, ...(host !== undefined ? { host } : {}) });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "EADDRINUSE") throw error;
    return startEmbeddedBroker({ port: 0, ...(host !== undefined ? { host } : {}) });
  }
}

/** Parses mqtt://host[:port] (the port defaults to 1883). */
export function parseBrokerUrl(url: string): { host: string; port: number } {
  const match = /^mqtt:\/\/(\[[^\]]+\]|[^:/]+)(?::(\d{1,5}))?\/?$/.exec(url);
  if (match === null) throw new RangeError(`"${url}" is not an MQTT URL like mqtt://host:1883`);
  const port = match[2] === undefined ? 1883 : Number(match[2]);
  if (port < 1 || port > 65_535) throw new RangeError(`"${url}": port ${port} is not 1-65535`);
  return { host: match[1]!.replace(/^\[|\]$/g, ""), port };
}
