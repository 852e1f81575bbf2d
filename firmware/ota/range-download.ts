import type { HttpClient, HttpClientConstructor, HttpRequest } from "../host/http";
import type { TimerId, TimerService } from "../host/timer";
import type { HttpTarget } from "./http-url";
import type { UpdateFailure } from "./update-errors";

export interface DownloadSink {
  /** The image's total length, from Content-Range or Content-Length, before any data. */
  total(length: number | undefined): void;
  /**
   * Image bytes in order, `offset` being their position in the image. Return
   * a failure to stop the download (the image was refused).
   */
  data(bytes: Uint8Array, offset: number): UpdateFailure | undefined;
}

export type DownloadResult = { ok: true; received: number } | ({ ok: false } & UpdateFailure);

export interface RangeDownloadOptions {
  http: HttpClientConstructor;
  timer: TimerService;
  /** No byte for this long ends the attempt as STALLED. */
  stallMs: number;
  /** Read buffer, allocated once by the owner and reused for every chunk. */
  buffer: Uint8Array;
}

const CONTENT_RANGE = /^bytes (\d+)-(\d+)\/(\d+|\*)$/;

/**
 * One attempt at fetching an image from `from` to its end. Asks for
 * `Range: bytes=from-` and trusts nothing about the answer: a 206 must start
 * exactly at `from`; a 200 means the server ignored Range, so the bytes before
 * `from` are read and dropped rather than written again over the image; any
 * other status fails. A connection that goes quiet for stallMs is closed.
 */
export class RangeDownload {
  readonly #options: RangeDownloadOptions;
  #client: HttpClient | undefined;
  #stall: TimerId | undefined;
  #finished = true;
  #onDone: ((result: DownloadResult) => void) | undefined;

  constructor(options: RangeDownloadOptions) {
    this.#options = options;
  }

  get active(): boolean {
    return !this.#finished;
  }

  start(target: HttpTarget, from: number, sink: DownloadSink, onDone: (result: DownloadResult) => void): void {
    if (!this.#finished) throw new Error("a download is already running");
    this.#finished = false;
    this.#onDone = onDone;
    const { http, timer, stallMs, buffer } = this.#options;
    let position = from;
    let skip = 0;
    let status = 0;

    this.#stall = timer.set(() => {
      this.#stall = undefined;
      this.#finish({ ok: false, code: "STALLED", message: `no data for ${stallMs} ms at byte ${position}` });
    }, stallMs);

    let client: HttpClient;
    try {
      client = new http({
        host: target.host,
        port: target.port,
        onError: (error) => this.#finish({ ok: false, code: "NETWORK", message: `${target.host}:${target.port}: ${error.message}` }),
      });
    } catch (error) {
      return this.#finish({ ok: false, code: "NETWORK", message: `${target.host}:${target.port}: ${error instanceof Error ? error.message : String(error)}` });
    }
    this.#client = client;
    const headers = new Map<string, string>([["connection", "close"]]);
    if (from > 0) headers.set("range", `bytes=${from}-`);
    const download = this;

    client.request({
      method: "GET",
      path: target.path,
      headers,
      onHeaders(code, responseHeaders) {
        status = code;
        download.#keepAlive();
        if (code === 206) {
          const range = CONTENT_RANGE.exec(responseHeaders.get("content-range") ?? "");
          if (range === null || Number(range[1]) !== from) {
            return download.#finish({
              ok: false,
              code: "BAD_CONTENT_RANGE",
              message: `asked for bytes from ${from}, server sent "${responseHeaders.get("content-range") ?? "no Content-Range"}"`,
            });
          }
          sink.total(range[3] === "*" ? undefined : Number(range[3]));
        } else if (code === 200) {
          skip = from;
          const length = responseHeaders.get("content-length");
          sink.total(length === undefined ? undefined : Number(length));
        } else {
          download.#finish({ ok: false, code: "HTTP_STATUS", message: `${target.path}: HTTP ${code}` });
        }
      },
      onReadable(this: HttpRequest, count: number) {
        download.#keepAlive();
        while (count > 0 && !download.#finished) {
          const n = this.read(buffer);
          if (n === 0) break;
          count -= n;
          let bytes = n === buffer.length ? buffer : buffer.subarray(0, n);
          if (skip > 0) {
            const dropped = Math.min(skip, n);
            skip -= dropped;
            if (dropped === n) continue;
            bytes = bytes.subarray(dropped);
          }
          const refused = sink.data(bytes, position);
          position += bytes.length;
          if (refused !== undefined) return download.#finish({ ok: false, ...refused });
        }
      },
      onDone(error) {
        if (error !== null) {
          return download.#finish({ ok: false, code: "NETWORK", message: `connection lost at byte ${position}: ${error.message}` });
        }
        if (status === 200 || status === 206) download.#finish({ ok: true, received: position - from });
      },
    });
  }

  /** Stops the attempt without reporting. */
  cancel(): void {
    this.#finished = true;
    this.#release();
  }

  #keepAlive(): void {
    if (this.#stall !== undefined) this.#options.timer.schedule(this.#stall, this.#options.stallMs);
  }

  #finish(result: DownloadResult): void {
    if (this.#finished) return;
    this.#finished = true;
    this.#release();
    this.#onDone?.(result);
  }

  #release(): void {
    if (this.#stall !== undefined) this.#options.timer.clear(this.#stall);
    this.#stall = undefined;
    const client = this.#client;
    this.#client = undefined;
    client?.close();
  }
}
