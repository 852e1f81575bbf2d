import http from "node:http";
import type { AddressInfo } from "node:net";
import type {
  HttpConnection,
  HttpRoute,
  HttpServer,
  HttpServerConstructor,
  HttpServerOptions,
  HttpServerResponse,
} from "../../firmware/host/http-server";
import type { PowerDomain } from "../device/power-domain";
import { ByteQueue } from "./byte-queue";

const HIGH_WATER = 64 * 1024;
const WRITE_WINDOW = 16 * 1024;

export interface PortMapping {
  /** The host port a device port is reachable on (0: any free port). */
  hostPort(devicePort: number): number;
  /** Told once the listener is up, with the port actually bound. */
  onListening?(devicePort: number, hostPort: number): void;
  /** The host port could not be bound (in use, no permission). */
  onListenError?(devicePort: number, error: Error): void;
}

/**
 * The ECMA-419 HTTP server over node:http. The device listens on its own
 * port (80 for the OTA PUT endpoint); the mapping decides which host port that
 * is, like port forwarding to a device on a LAN.
 */
export function createHttpServerClass(domain: PowerDomain, mapping: PortMapping): HttpServerConstructor {
  return class SimHttpServer implements HttpServer {
    readonly #server: http.Server;
    readonly #devicePort: number;
    readonly #resource = { release: () => this.#shutdown() };

    constructor(options: HttpServerOptions) {
      this.#devicePort = options.port ?? 80;
      this.#server = http.createServer((req, res) => {
        const connection = new SimConnection(req, res, domain);
        domain.run(() => options.onConnect.call(this, connection));
        connection.begin();
      });
      // A busy host port is the simulator's problem, not a firmware crash.
      this.#server.on("error", (error) => mapping.onListenError?.(this.#devicePort, error));
      this.#server.listen(mapping.hostPort(this.#devicePort), "127.0.0.1", () => {
        mapping.onListening?.(this.#devicePort, (this.#server.address() as AddressInfo).port);
      });
      domain.own(this.#resource);
    }

    /** The device-side port, as firmware sees it. */
    get port(): number {
      return this.#devicePort;
    }

    close(): void {
      this.#shutdown();
      domain.disown(this.#resource);
    }

    #shutdown(): void {
      this.#server.close();
      this.#server.closeAllConnections();
    }
  };
}

class SimConnection implements HttpConnection {
  readonly #req: http.IncomingMessage;
  readonly #res: http.ServerResponse;
  readonly #domain: PowerDomain;
  #route: HttpRoute = {};
  readonly #body = new ByteQueue();
  #bodyEnded = false;
  #state: "request" | "body" | "waitResponse" | "responding" | "done" | "error" = "request";
  #remaining: number | undefined;

  constructor(req: http.IncomingMessage, res: http.ServerResponse, domain: PowerDomain) {
    this.#req = req;
    this.#res = res;
    this.#domain = domain;
  }

  accept(route: HttpRoute): void {
    this.#route = { ...route };
  }

  get route(): HttpRoute | undefined {
    return this.#route;
  }

  set route(route: HttpRoute | undefined) {
    this.#route = { ...(route ?? {}) };
  }

  /** Called once onConnect has run: headers are in, deliver the request. */
  begin(): void {
    const req = this.#req;
    const headers = new Map<string, string>();
    for (const [name, value] of Object.entries(req.headers)) {
      if (value !== undefined) headers.set(name, Array.isArray(value) ? value.join(", ") : value);
    }
    this.#call(() => this.#route.onRequest?.call(this, { method: req.method ?? "GET", path: req.url ?? "/", headers }));
    if (this.#state === "error" || this.#state === "done") return;
    this.#state = "body";
    req.on("data", (chunk: Buffer) => {
      // A route that does not read the body does not want it.
      if (this.#route.onReadable === undefined) return;
      this.#body.push(chunk);
      if (this.#body.available >= HIGH_WATER) req.pause();
      this.#call(() => this.#route.onReadable?.call(this, this.#body.available));
      this.#maybeReply();
    });
    req.on("end", () => {
      this.#bodyEnded = true;
      this.#maybeReply();
    });
    req.on("aborted", () => this.#error("connection lost"));
    this.#res.on("close", () => {
      if (this.#state !== "done") this.#error("connection lost");
    });
  }

  read(target: Uint8Array): number;
  read(count?: number): ArrayBuffer | undefined;
  read(what?: Uint8Array | number): number | ArrayBuffer | undefined {
    const result = typeof what === "object" ? this.#body.read(what) : this.#body.read(what);
    if (this.#body.available < HIGH_WATER / 2 && this.#req.isPaused()) this.#req.resume();
    queueMicrotask(() => this.#maybeReply());
    return result;
  }

  respond(response: HttpServerResponse): void {
    if (this.#state !== "waitResponse") throw new Error("bad state");
    this.#state = "responding";
    const headers: Record<string, string> = {};
    for (const [name, value] of response.headers) headers[name.toLowerCase()] = String(value);
    const length = headers["content-length"];
    this.#remaining = length === undefined ? undefined : Number.parseInt(length, 10);
    this.#res.writeHead(response.status, headers);
    this.#pump();
  }

  write(data: Uint8Array): number {
    if (this.#state !== "responding") throw new Error("bad state");
    if (this.#remaining !== undefined) {
      if (data.length > this.#remaining) throw new Error("write exceeds content-length");
      this.#remaining -= data.length;
    }
    const more = this.#res.write(Buffer.from(data.buffer, data.byteOffset, data.byteLength));
    if (more) setImmediate(() => this.#pump());
    else this.#res.once("drain", () => this.#pump());
    return more ? WRITE_WINDOW : 0;
  }

  close(): void {
    if (this.#state === "done") return;
    this.#state = "done";
    if (!this.#res.headersSent) this.#res.writeHead(500);
    this.#res.end();
  }

  #pump(): void {
    if (this.#state !== "responding") return;
    if (this.#remaining === 0 || (this.#remaining === undefined && this.#route.onWritable === undefined)) {
      this.#state = "done";
      this.#res.end(() => this.#call(() => this.#route.onDone?.call(this)));
      return;
    }
    const window = this.#remaining === undefined ? WRITE_WINDOW : Math.min(WRITE_WINDOW, this.#remaining);
    this.#call(() => this.#route.onWritable?.call(this, window));
  }

  #maybeReply(): void {
    if (this.#state !== "body" || !this.#bodyEnded || this.#body.available > 0) return;
    this.#state = "waitResponse";
    const response: HttpServerResponse = { status: 200, headers: new Map() };
    this.#call(() => {
      if (this.#route.onResponse) this.#route.onResponse.call(this, response);
      else this.respond(response);
    });
  }

  #error(message: string): void {
    if (this.#state === "done" || this.#state === "error") return;
    this.#state = "error";
    this.#call(() => this.#route.onError?.call(this, message));
    this.#res.destroy();
  }

  #call(callback: () => void): void {
    this.#domain.run(callback);
  }
}
