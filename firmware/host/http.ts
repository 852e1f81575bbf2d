/**
 * ECMA-419 HTTP client (`embedded:network/http/client`) as Moddable
 * implements it: one connection, requests served in order; the body is pulled
 * with read() when onReadable reports bytes, so a slow consumer throttles the
 * server instead of buffering the whole image.
 */
export interface HttpRequestHandlers {
  method?: string;
  path?: string;
  headers?: Map<string, string | string[]>;
  onHeaders?(this: HttpRequest, status: number, headers: Map<string, string>): void;
  onReadable?(this: HttpRequest, count: number): void;
  onWritable?(this: HttpRequest, count: number): void;
  /** null when the response was received whole; an Error when the connection failed. */
  onDone?(this: HttpRequest, error: Error | null): void;
}

export interface HttpRequest {
  /** Copies up to `target.length` body bytes into `target`; returns how many. */
  read(target: Uint8Array): number;
  /** Returns up to `byteLength` body bytes (all available when omitted). */
  read(byteLength?: number): ArrayBuffer | undefined;
  /** Request body bytes; undefined ends a chunked body. */
  write(data: Uint8Array | undefined): void;
}

export interface HttpClient {
  request(options: HttpRequestHandlers): HttpRequest;
  close(): void;
}

export interface HttpClientOptions {
  host: string;
  port?: number;
  /** Called once when the connection fails; the client is unusable after. */
  onError?(error: Error): void;
}

export type HttpClientConstructor = new (options: HttpClientOptions) => HttpClient;
