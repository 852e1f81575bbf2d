/**
 * A serial port (a USB RS-485 adapter, /dev/ttyUSB0, COM3) or a
 * pseudo-terminal, through the serialport package. The line format is the
 * master's side of the bargain: it has to match the slave's, or the slave
 * sees parity and framing errors and stays silent.
 */
import { frameTiming, type Parity, type StopBits } from "../../firmware/modbus/timing";
import { TransportError, type Transport, type TransportListener } from "./transport";

export interface SerialTransportOptions {
  path: string;
  baud: number;
  parity: Parity;
  stopBits: StopBits;
}

/** "8E1", "8N2": how slave manuals and mbpoll write a line format. */
export function formatLine(options: { parity: Parity; stopBits: StopBits }): string {
  return `8${options.parity === "none" ? "N" : options.parity === "even" ? "E" : "O"}${options.stopBits}`;
}

function openFailure(path: string, message: string): TransportError {
  if (/No such file or directory/i.test(message)) {
    return new TransportError(`cannot open ${path}: no such port; check the adapter is plugged in and the path (ls /dev/ttyUSB* /dev/ttyACM* /dev/serial/by-id/)`);
  }
  if (/Permission denied|Access denied/i.test(message)) {
    return new TransportError(`cannot open ${path}: permission denied; add your user to the port's group (sudo usermod -aG dialout $USER, then log in again)`);
  }
  if (/lock|busy/i.test(message)) return new TransportError(`cannot open ${path}: in use by another program; close it (lsof ${path})`);
  if (/Inappropriate ioctl|Is a directory/i.test(message)) return new TransportError(`cannot open ${path}: not a serial port`);
  return new TransportError(`cannot open ${path}: ${message}`);
}

export async function openSerialTransport(options: SerialTransportOptions): Promise<Transport> {
  // Loaded here, not at the top: the native binding is only needed by this transport,
  // and every other fieldnode command starts without it.
  const { SerialPort } = await import("serialport");
  const { path } = options;
  const port = new SerialPort({ path, baudRate: options.baud, parity: options.parity, stopBits: options.stopBits, dataBits: 8, autoOpen: false });
  await new Promise<void>((resolve, reject) => port.open((error) => (error ? reject(openFailure(path, error.message)) : resolve())));
  let listener: TransportListener | undefined;
  let closing = false;
  port.on("data", (chunk: Buffer) => listener?.data(new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.length)));
  port.on("error", (error: Error) => {
    if (!closing) listener?.error(new TransportError(`${path} failed: ${error.message}`));
  });
  port.on("close", () => {
    if (!closing) listener?.error(new TransportError(`${path} closed; check the adapter is still plugged in`));
  });
  const line = `${options.baud} ${formatLine(options)}`;
  return {
    description: `${path} at ${line}`,
    silenceHint: `the line settings (the device must use ${line} too: --baud, --parity, --stop-bits), the A/B wiring and termination`,
    // §2.5.1.1: frames are separated by at least 3.5 character times of silence.
    interFrameMs: Math.ceil(frameTiming({ baud: options.baud, parity: options.parity, stopBits: options.stopBits }).t35Us / 1000),
    setListener(next) {
      listener = next;
    },
    write(frame) {
      return new Promise((resolve, reject) =>
        port.write(Buffer.from(frame), (error) => {
          if (error) return reject(new TransportError(`cannot write to ${path}: ${error.message}`));
          // Resolve once the OS has the bytes: the reply timeout starts after that.
          port.drain((drainError) => (drainError ? reject(new TransportError(`cannot write to ${path}: ${drainError.message}`)) : resolve()));
        }),
      );
    },
    discardInput() {
      return new Promise((resolve, reject) => port.flush((error) => (error ? reject(new TransportError(`cannot flush ${path}: ${error.message}`)) : resolve())));
    },
    close() {
      closing = true;
      return new Promise<void>((resolve) => {
        if (!port.isOpen) return resolve();
        port.close(() => resolve());
      });
    },
  };
}
