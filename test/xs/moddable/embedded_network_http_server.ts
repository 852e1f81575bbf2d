/** Moddable's HTTP server, for the device bundle's module graph: records what it was asked to listen on. */
export const listening: number[] = [];

export default class HTTPServer {
  readonly port: number;
  constructor(options: { port?: number; io?: unknown }) {
    if (options.io === undefined) throw new Error("HTTPServer needs a Listener io");
    this.port = options.port ?? 80;
    listening.push(this.port);
  }
  close(): void {}
}
