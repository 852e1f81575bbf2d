/**
 * RTU over TCP: RTU frames, CRC included, on a TCP connection with no MBAP
 * header, as serial device servers and the simulator's --modbus-tcp speak it.
 */
import net from "node:net";
import { TransportError, type Transport, type TransportListener } from "./transport";

export interface TcpTransportOptions {
  host: string;
  port: number;
  /** How long to wait for the connection, ms. */
  connectTimeoutMs: number;
}

export function formatEndpoint(host: string, port: number): string {
  return host.includes(":") ? `[${host}]:${port}` : `${host}:${port}`;
}

function connectFailure(endpoint: string, error: NodeJS.ErrnoException): TransportError {
  const check = `check --tcp HOST:PORT and that the gateway is running (the simulator: npm start -- --modbus-tcp PORT)`;
  switch (error.code) {
    case "ECONNREFUSED":
      return new TransportError(`cannot connect to ${endpoint}: connection refused; ${check}`);
    case "ENOTFOUND":
    case "EAI_AGAIN":
      return new TransportError(`cannot connect to ${endpoint}: host not found; check the host name in --tcp`);
    case "EHOSTUNREACH":
    case "ENETUNREACH":
      return new TransportError(`cannot connect to ${endpoint}: host unreachable; check the network and the address in --tcp`);
    default:
      return new TransportError(`cannot connect to ${endpoint}: ${error.message}; ${check}`);
  }
}

export function openTcpTransport(options: TcpTransportOptions): Promise<Transport> {
  const endpoint = formatEndpoint(options.host, options.port);
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host: options.host, port: options.port });
    let listener: TransportListener | undefined;
    let closing = false;
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new TransportError(`cannot connect to ${endpoint}: no answer within ${options.connectTimeoutMs} ms; check the host and port in --tcp, and firewalls`));
    }, options.connectTimeoutMs);
    socket.once("error", (error: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      reject(connectFailure(endpoint, error));
    });
    socket.once("connect", () => {
      clearTimeout(timer);
      socket.removeAllListeners("error");
      // A request is one small write; Nagle would hold it back waiting for more.
      socket.setNoDelay(true);
      socket.on("data", (chunk: Buffer) => listener?.data(new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.length)));
      socket.on("error", (error: Error) => {
        if (!closing) listener?.error(new TransportError(`connection to ${endpoint} failed: ${error.message}`));
      });
      socket.on("close", () => {
        if (!closing) listener?.error(new TransportError(`${endpoint} closed the connection; check that the gateway is still running`));
      });
      resolve({
        description: `${endpoint} (RTU over TCP)`,
        silenceHint: "that the gateway reaches the device (its serial side: baud rate, parity, wiring)",
        interFrameMs: 0,
        setListener(next) {
          listener = next;
        },
        write(frame) {
          return new Promise((done, fail) =>
            socket.write(frame, (error) => (error ? fail(new TransportError(`cannot send to ${endpoint}: ${error.message}`)) : done())),
          );
        },
        // Bytes already delivered are dropped by the master's collector; TCP has no input buffer to flush.
        discardInput: () => Promise.resolve(),
        close() {
          closing = true;
          return new Promise<void>((done) => {
            if (socket.destroyed) return done();
            socket.once("close", () => done());
            socket.end();
            // A peer that never acknowledges the FIN must not keep the CLI alive.
            setTimeout(() => socket.destroy(), 200).unref();
          });
        },
      });
    });
  });
}
