import http from "node:http";
import type {
  HttpClient,
  HttpClientConstructor,
  HttpClientOptions,
  HttpRequest,
  HttpRequestHandlers,
} from "../../firmware/host/http";
import type { PowerDomain } from "../device/power-domain";
import { ByteQueue } from "./byte-queue";

/** Stop reading from the socket beyond this much unread body: the firmware sets the pace. */
const HIGH_WATER = 64 * 1024;

/**
 * The ECMA-419 HTTP client over node:http, one keep-alive connection per
 * client, requests served in order like Moddable's. Body bytes are delivered
 * only as fast as the firmware reads them (TCP backpressure), and a broken
 * connection ends the current request with onDone(Error) and every queued one
 * likewise, then calls the client's onError, as Moddable's client does.
 */
export function createHttpClientClass(domain: PowerDomain): HttpClientConstructor {
  return class SimHttpClient implements HttpClient {
    readonly #options: HttpClientOptions;
    readonly #agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    readonly #queue: SimHttpRequest[] = [];
    #current: SimHttpRequest | undefined;
    #closed = false;
    readonly #resource = { release: () => this.#shutdown() };

    constructor(options: HttpClientOptions) {
      if (typeof options.host !== "string" || options.host.length === 0) throw new Error("invalid host");
      this.#options = options;
      domain.own(this.#resource);
    }

    request(handlers: HttpRequestHandlers): HttpRequest {
      if (this.#closed) throw new Error("closed");
      const request = new SimHttpRequest(handlers, domain);
      this.#queue.push(request);
      if (this.#current === undefined) this.#next();
      return request;
    }

    close(): void {
      this.#shutdown();
      domain.disown(this.#resource);
    }

    #shutdown(): void {
      this.#closed = true;
      this.#queue.length = 0;
      this.#current?.abandon();
      this.#current = undefined;
      this.#agent.destroy();
    }

    #next(): void {
      const request = this.#queue.shift();
      this.#current = request;
      if (request === undefined) return;
      request.start(this.#options, this.#agent, (error) => {
        this.#current = undefined;
        if (error !== null) {
          for (const pending of this.#queue.splice(0)) pending.fail(new Error(error.message));
          this.#closed = true;
          domain.run(() => this.#options.onError?.(error));
          return;
        }
        if (!this.#closed) this.#next();
      });
    }
  };
}

class SimHttpRequest implements HttpRequest {
  readonly #handlers: HttpRequestHandlers;
  readonly #domain: PowerDomain;
  readonly #body = new ByteQueue();
  #response: http.IncomingMessage | undefined;
  #outgoing: http.ClientRequest | undefined;
  #finished: ((error: Error | null) => void) | undefined;
  #ended = false;
  #done = false;

  constructor(handlers: HttpRequestHandlers, domain: PowerDomain) {
    this.#handlers = handlers;
    this.#domain = domain;
  }

  start(options: HttpClientOptions, agent: http.Agent, finished: (error: Error | null) => void): void {
    this.#finished = finished;
    const headers: Record<string, string | string[]> = {};
    for (const [name, value] of this.#handlers.headers ?? []) headers[name] = value;
    const method = this.#handlers.method ?? "GET";
    const outgoing = http.request({ host: options.host, port: options.port ?? 80, method, path: this.#handlers.path ?? "/", headers, agent });
    this.#outgoing = outgoing;
    outgoing.on("error", (error) => this.fail(error));
    outgoing.on("response", (response) => this.#onResponse(response));
    const hasBody = method !== "GET" && method !== "HEAD" && this.#handlers.onWritable !== undefined;
    if (hasBody) this.#domain.run(() => this.#handlers.onWritable?.call(this, HIGH_WATER));
    else outgoing.end();
  }

  #onResponse(response: http.IncomingMessage): void {
    this.#response = response;
    const headers = new Map<string, string>();
    for (const [name, value] of Object.entries(response.headers)) {
      if (value !== undefined) headers.set(name, Array.isArray(value) ? value.join(", ") : value);
    }
    this.#domain.run(() => this.#handlers.onHeaders?.call(this, response.statusCode ?? 0, headers));
    response.on("data", (chunk: Buffer) => {
      this.#body.push(chunk);
      if (this.#body.available >= HIGH_WATER) response.pause();
      this.#domain.run(() => this.#handlers.onReadable?.call(this, this.#body.available));
    });
    response.on("end", () => {
      this.#ended = true;
      this.#maybeDone();
    });
    response.on("close", () => {
      if (!response.complete) this.fail(new Error("connection closed before the response was complete"));
    });
  }

  read(target: Uint8Array): number;
  read(byteLength?: number): ArrayBuffer | undefined;
  read(what?: Uint8Array | number): number | ArrayBuffer | undefined {
    if (this.#response === undefined) return undefined;
    const result = typeof what === "object" ? this.#body.read(what) : this.#body.read(what);
    if (this.#body.available < HIGH_WATER / 2 && this.#response.isPaused()) this.#response.resume();
    this.#maybeDone();
    return result;
  }

  write(data: Uint8Array | undefined): void {
    const outgoing = this.#outgoing;
    if (outgoing === undefined || outgoing.writableEnded) throw new Error("bad state");
    if (data === undefined) outgoing.end();
    else outgoing.write(Buffer.from(data.buffer, data.byteOffset, data.byteLength));
  }

  /** The connection failed: report it once. */
  fail(error: Error): void {
    if (this.#done) return;
    this.#done = true;
    this.#response?.destroy();
    this.#outgoing?.destroy();
    this.#domain.run(() => this.#handlers.onDone?.call(this, error));
    this.#finished?.(error);
  }

  /** Power went away: no callback at all. */
  abandon(): void {
    this.#done = true;
    this.#response?.destroy();
    this.#outgoing?.destroy();
  }

  #maybeDone(): void {
    if (this.#done || !this.#ended || this.#body.available > 0) return;
    this.#done = true;
    // Like Moddable's client, completion is reported from a fresh turn, after the last read returns.
    queueMicrotask(() => {
      this.#domain.run(() => this.#handlers.onDone?.call(this, null));
      this.#finished?.(null);
    });
  }
}
