/**
 * Modbus RTU over TCP: RTU frames (address, PDU, CRC; no MBAP header) on a
 * TCP connection, as pymodbus's `ModbusTcpClient(framer=ModbusRtuFramer)`,
 * modbus-serial's `connectTcpRTUBuffered` and many serial device servers
 * speak it. Each connection is a client of the gateway.
 */
import net from "node:net";
import type { RtuGateway } from "./gateway";

export interface RtuTcpServer {
  readonly host: string;
  readonly port: number;
  close(): Promise<void>;
}

export function serveRtuOverTcp(gateway: RtuGateway, options: { host?: string; port: number }): Promise<RtuTcpServer> {
  const host = options.host ?? "127.0.0.1";
  const sockets = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.setNoDelay(true);
    const connection = gateway.connect({
      name: `tcp ${socket.remoteAddress}:${socket.remotePort}`,
      write: (bytes) => {
        if (!socket.destroyed) socket.write(bytes);
      },
    });
    socket.on("data", (data: Buffer) => connection.push(new Uint8Array(data.buffer, data.byteOffset, data.length)));
    socket.on("error", () => {});
    socket.on("close", () => {
      sockets.delete(socket);
      connection.close();
    });
  });
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port, host, () => {
      server.off("error", reject);
      const address = server.address() as net.AddressInfo;
      resolve({
        host,
        port: address.port,
        close: () =>
          new Promise<void>((done) => {
            for (const socket of sockets) socket.destroy();
            server.close(() => done());
          }),
      });
    });
  });
}
