import Listener from "embedded:io/socket/listener";
import TCP from "embedded:io/socket/tcp";
import UDP from "embedded:io/socket/udp";
import Resolver from "embedded:network/dns/resolver/udp";
import HTTPClient from "embedded:network/http/client";
import HTTPServer from "embedded:network/http/server";
import type { HttpClientConstructor, HttpClientOptions } from "../../host/http";
import type { HttpServerConstructor, HttpServerOptions } from "../../host/http-server";
import type { NetworkProvider } from "../../host/io";

/** Resolvers used when DHCP gives none: the site's, then a public one. */
const DNS = { io: Resolver, servers: ["1.1.1.1", "8.8.8.8"], socket: { io: UDP } };

/**
 * The ESP32's network clients, configured as Moddable's examples configure
 * them (examples/io/tcp/httpclient/config.js): TCP sockets and a UDP DNS
 * resolver injected into each client.
 */
class Esp32HttpClient extends HTTPClient {
  constructor(options: HttpClientOptions) {
    super({ ...options, socket: { io: TCP }, dns: DNS, onError: options.onError });
  }
}

class Esp32HttpServer extends HTTPServer {
  constructor(options: HttpServerOptions) {
    super({ port: options.port, io: Listener, onConnect: options.onConnect as (this: HTTPServer, connection: unknown) => void });
  }
}

export function createEsp32Network(): NetworkProvider {
  // Moddable's typings declare read(buffer) as void; its implementation returns
  // the byte count from the socket's read(buffer), which the firmware relies on.
  return {
    http: { io: Esp32HttpClient as unknown as HttpClientConstructor },
    httpServer: { io: Esp32HttpServer as unknown as HttpServerConstructor },
  };
}
