/**
 * The Modbus UART on the ESP32: Moddable's embedded:io/serial, completed
 * through uart.c (mc/ffi) with what the firmware's Serial shape needs and
 * Moddable's class lacks: parity and stop bits, the receive timeout and FIFO
 * threshold, RS-485 driver enable on RTS, error flags.
 *
 * The reference board: an ESP32-WROOM-32 with a half-duplex RS-485
 * transceiver (MAX3485 class) on UART2, RX GPIO 16, TX GPIO 17, DE and /RE
 * tied to GPIO 4. (On a WROVER module GPIO 16/17 belong to the PSRAM: move
 * the port here.) The DE pin is routed to the UART's RTS by ESP-IDF, so it is
 * not claimed through Moddable's pin registry; keep it out of device.pin.
 */
import device from "embedded:provider/builtin";
import FFI from "mc/ffi";
import type { SerialIO, SerialOptions, SerialPortDescription } from "../../host/io";

const natives = new FFI();
const call = (name: string, ...args: number[]): number => natives[name]!(...args) as number;

const PARITY_CODES = { none: 0, odd: 1, even: 2 } as const;
/** uart.c's default RX FIFO threshold (ESP-IDF's UART_FULL_THRESH_DEFAULT). */
const RECEIVE_THRESHOLD = 120;

class Esp32Serial implements SerialIO {
  readonly #inner: InstanceType<typeof device.io.Serial>;
  readonly #port: number;
  readonly #rs485: boolean;

  constructor(options: SerialOptions) {
    const port = options.port ?? 0;
    const self = this;
    const onReadable = options.onReadable;
    const onWritable = options.onWritable;
    this.#port = port;
    this.#inner = new device.io.Serial({
      port,
      receive: options.receive,
      transmit: options.transmit,
      baud: options.baud,
      format: "buffer",
      ...(onReadable ? { onReadable: (count: number) => onReadable.call(self, count) } : {}),
      ...(onWritable ? { onWritable: (count: number) => onWritable.call(self, count) } : {}),
    });
    const err = call("fieldnode_uart_line", port, PARITY_CODES[options.parity ?? "none"], options.stopBits ?? 1, options.receiveTimeout ?? 4, RECEIVE_THRESHOLD);
    if (err !== 0) {
      this.#inner.close();
      throw new Error(`UART${port} line setup failed: esp_err_t 0x${(err >>> 0).toString(16)}`);
    }
    this.#rs485 = options.requestToSend !== undefined;
    if (this.#rs485) {
      const bits = 1 + 8 + (options.parity === undefined || options.parity === "none" ? 0 : 1) + (options.stopBits ?? 1);
      const quarterCharacterUs = Math.max(20, Math.floor((bits * 1e6) / options.baud / 4));
      const rs485 = call("fieldnode_rs485_begin", port, options.requestToSend!, quarterCharacterUs);
      if (rs485 !== 0) {
        this.#inner.close();
        throw new Error(`UART${port} RS-485 driver enable on GPIO ${options.requestToSend} failed: esp_err_t 0x${(rs485 >>> 0).toString(16)}`);
      }
    }
  }

  read(buffer: Uint8Array): number | undefined {
    return this.#inner.read(buffer);
  }

  write(data: Uint8Array): void {
    if (this.#rs485) call("fieldnode_rs485_transmit", this.#port);
    try {
      this.#inner.write(data);
    } finally {
      if (this.#rs485) call("fieldnode_rs485_release", this.#port);
    }
  }

  errors(): number {
    return call("fieldnode_uart_errors", this.#port);
  }

  close(): void {
    if (this.#rs485) call("fieldnode_rs485_end", this.#port);
    this.#inner.close();
  }
}

/** The board's Modbus RS-485 port. */
export const ESP32_MODBUS_PORT: SerialPortDescription = {
  io: Esp32Serial,
  port: 2,
  receive: 16,
  transmit: 17,
  requestToSend: 4,
  receiveTiming: "burst",
  receiveThreshold: RECEIVE_THRESHOLD,
  transmitFifo: 128,
};

/** esp_timer_get_time, through uart.c. */
export function microseconds(): number {
  return natives.fieldnode_microseconds!() as number;
}
