import { encodeUtf8 } from "../core/utf8";
import type { HttpConnection, HttpServer, HttpServerConstructor, HttpServerResponse } from "../host/http-server";
import type { ImageReceiver, OtaClient } from "./ota-client";
import type { UpdateErrorCode, UpdateFailure } from "./update-errors";

/** HTTP status for each refusal: what a technician's curl or script can act on. */
function httpStatus(code: UpdateErrorCode): number {
  switch (code) {
    case "BUSY":
    case "NOT_CONFIRMED":
      return 409;
    case "BAD_REQUEST":
      return 400;
    case "FLASH":
    case "BOOT_SWITCH":
      return 500;
    case "TOO_LARGE":
      return 413;
    default:
      return 422;
  }
}

interface Upload {
  receiver: ImageReceiver | undefined;
  failure: UpdateFailure | undefined;
  status: number;
  body: unknown;
}

/**
 * The device's OTA endpoint on its HTTP server, as Moddable's OTA examples
 * offer one: `PUT /ota` with the signed image as the body installs it (the
 * same verifier decides as for a download; nothing is erased before the
 * header is authenticated), `GET /ota` reports the client's status. Answers
 * are JSON: {"result":"installed","version":...} or {"error":CODE,"message":...}.
 */
export function serveOtaEndpoint(Server: HttpServerConstructor, client: OtaClient, port = 80): HttpServer {
  const buffer = new Uint8Array(4096);
  return new Server({
    port,
    onConnect(connection) {
      const upload: Upload = { receiver: undefined, failure: undefined, status: 200, body: undefined };
      connection.accept({
        onRequest(request) {
          if (request.path !== "/ota") return reply(upload, 404, { error: "NOT_FOUND", message: `no ${request.path} here; PUT the image to /ota` });
          if (request.method === "GET") return reply(upload, 200, client.status);
          if (request.method !== "PUT") return reply(upload, 405, { error: "METHOD", message: "use PUT /ota with the signed image as the body" });
          const length = request.headers.get("content-length");
          const started = client.receive(length === undefined ? undefined : Number(length));
          if ("code" in started) return refuse(upload, started);
          upload.receiver = started;
        },
        onReadable(count) {
          while (count > 0) {
            const n = this.read(buffer);
            if (n === 0) break;
            count -= n;
            if (upload.receiver === undefined || upload.failure !== undefined) continue; // drain what is refused
            const failure = upload.receiver.write(n === buffer.length ? buffer : buffer.subarray(0, n));
            if (failure !== undefined) refuse(upload, failure);
          }
        },
        onResponse(response) {
          if (upload.receiver !== undefined && upload.failure === undefined) {
            const failure = upload.receiver.finish();
            if (failure !== undefined) refuse(upload, failure);
            else reply(upload, 200, { result: "installed", version: client.status.version, restarting: true });
          }
          send(this, response, upload);
        },
        onError() {
          upload.receiver?.abort("the uploader closed the connection before the image was complete");
        },
      });
    },
  });
}

function reply(upload: Upload, status: number, body: unknown): void {
  upload.status = status;
  upload.body = body;
}

function refuse(upload: Upload, failure: UpdateFailure): void {
  upload.failure = failure;
  reply(upload, httpStatus(failure.code), { error: failure.code, message: failure.message });
}

function send(connection: HttpConnection, response: HttpServerResponse, upload: Upload): void {
  const body = encodeUtf8(`${JSON.stringify(upload.body ?? {})}\n`);
  response.status = upload.status;
  response.headers.set("content-type", "application/json");
  response.headers.set("content-length", body.length);
  connection.respond(response);
  connection.write(body);
}
