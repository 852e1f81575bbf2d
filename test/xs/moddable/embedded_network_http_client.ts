/**
 * Moddable's HTTP client, for the device bundle's module graph: construction
 * records what the platform passed, so a scenario can check the socket and DNS
 * configuration; there is no network to request from.
 */
export const constructed: Array<{ host: string; port: number | undefined; socket: boolean; dns: boolean }> = [];

export default class HTTPClient {
  constructor(options: { host: string; port?: number; socket?: unknown; dns?: unknown }) {
    constructed.push({ host: options.host, port: options.port, socket: options.socket !== undefined, dns: options.dns !== undefined });
  }
  request(): never {
    throw new Error("no network in the XS engine suite");
  }
  close(): void {}
}
