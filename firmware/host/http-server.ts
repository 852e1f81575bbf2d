/**
 * ECMA-419 HTTP server (`embedded:network/http/server`) as Moddable's
 * implementation behaves (examples/io/listener/httpserver): one request per
 * connection; the request body is pulled with read() as onReadable reports it;
 * once it is all in, onResponse(response) lets the handler set status and
 * headers and call respond(); a body announced by content-length is pushed
 * with write() as onWritable asks; then onDone and the connection closes.
 * A route assigned in onRequest (`this.route = ...`) takes over the callbacks.
 */
export interface HttpServerRequest {
  method: string;
  path: string;
  headers: Map<string, string>;
}

export interface HttpServerResponse {
  status: number;
  headers: Map<string, string | number>;
}

export interface HttpRoute {
  onRequest?(this: HttpConnection, request: HttpServerRequest): void;
  onReadable?(this: HttpConnection, count: number): void;
  onResponse?(this: HttpConnection, response: HttpServerResponse): void;
  onWritable?(this: HttpConnection, count: number): void;
  onDone?(this: HttpConnection): void;
  onError?(this: HttpConnection, message: string): void;
}

export interface HttpConnection {
  accept(route: HttpRoute): void;
  route: HttpRoute | undefined;
  /** Copies request body bytes into `target`; returns how many. */
  read(target: Uint8Array): number;
  read(count?: number): ArrayBuffer | undefined;
  respond(response: HttpServerResponse): void;
  /** Writes response body bytes; returns how many more may be written now. */
  write(data: Uint8Array): number;
  close(): void;
}

export interface HttpServerOptions {
  port?: number;
  onConnect(this: HttpServer, connection: HttpConnection): void;
}

export interface HttpServer {
  readonly port: number;
  close(): void;
}

export type HttpServerConstructor = new (options: HttpServerOptions) => HttpServer;
