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
 *
 * The receive timeout is in whole character times (uart_set_rx_timeout):
 * ESP-IDF turns it into bit times, and the ESP32's counter runs at an eighth
 * of the bit rate, so it is rounded up to 8 bit times: 2 characters at 8E1
 * (22 bits) time out after 24 bit times of silence.
 */
import device from "embedded:provider/builtin";
import FFI from "mc/ffi";
import type { SerialIO, SerialOptions, SerialPortDescription } from "../../host/io";
import { SERIAL_FRAMING, SERIAL_OVERRUN, SERIAL_PARITY } from "../../host/io";
import { characterBits } from "../../modbus/timing";

const natives = new FFI();

type Native = (typeof natives)[string];

/** Looks a native up once; called as a method with fixed arguments, a call allocates nothing. */
function native(name: string): Native {
  const fn = natives[name];
  if (typeof fn !== "function") throw new Error(`mc/ffi: ${name} is not declared in manifest.json`);
  return fn;
}

const uartLine = native("fieldnode_uart_line");
const uartErrors = native("fieldnode_uart_errors");
const rs485Begin = native("fieldnode_rs485_begin");
const rs485Transmit = native("fieldnode_rs485_transmit");
const rs485Release = native("fieldnode_rs485_release");
const rs485End = native("fieldnode_rs485_end");
const clockMicroseconds = native("fieldnode_microseconds");

/** fieldnode_uart_errors: bits 0-2 are SERIAL_OVERRUN, SERIAL_PARITY, SERIAL_FRAMING; bit 3 says the RX FIFO holds characters. */
const ERROR_BITS = SERIAL_OVERRUN | SERIAL_PARITY | SERIAL_FRAMING;
const RX_WAITING = 8;

const PARITY_CODES = { none: 0, odd: 1, even: 2 } as const;
/** uart.c's default RX FIFO threshold (ESP-IDF's UART_FULL_THRESH_DEFAULT). */
const RECEIVE_THRESHOLD = 120;

class Esp32Serial implements SerialIO {
  readonly #inner: InstanceType<typeof device.io.Serial>;
  readonly #port: number;
  readonly #rs485: boolean;
  /** Error flags read along with a peek at the FIFO, kept for the next errors(). */
  #errors = 0;

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
    const err = uartLine.call(natives, port, PARITY_CODES[options.parity ?? "none"], options.stopBits ?? 1, options.receiveTimeout ?? 4, RECEIVE_THRESHOLD) as number;
    if (err !== 0) {
      this.#inner.close();
      throw new Error(`UART${port} line setup failed: esp_err_t 0x${(err >>> 0).toString(16)}`);
    }
    this.#rs485 = options.requestToSend !== undefined;
    if (this.#rs485) {
      const bits = characterBits({ baud: options.baud, parity: options.parity ?? "none", stopBits: options.stopBits ?? 1 });
      const quarterCharacterUs = Math.max(20, Math.floor((bits * 1e6) / options.baud / 4));
      const rs485 = rs485Begin.call(natives, port, options.requestToSend!, quarterCharacterUs) as number;
      if (rs485 !== 0) {
        this.#inner.close();
        throw new Error(`UART${port} RS-485 driver enable on GPIO ${options.requestToSend} failed: esp_err_t 0x${(rs485 >>> 0).toString(16)}`);
      }
    }
  }

  read(buffer: Uint8Array): number | undefined {
    if (buffer.length === 0) {
      // A peek: whether characters are waiting, taking none (Moddable's read()
      // throws for an empty buffer when some are).
      const state = uartErrors.call(natives, this.#port) as number;
      this.#errors |= state & ERROR_BITS;
      return state & RX_WAITING ? 0 : undefined;
    }
    return this.#inner.read(buffer);
  }

  write(data: Uint8Array): void {
    if (this.#rs485) rs485Transmit.call(natives, this.#port);
    try {
      this.#inner.write(data);
    } finally {
      if (this.#rs485) rs485Release.call(natives, this.#port);
    }
  }

  errors(): number {
    const errors = this.#errors | ((uartErrors.call(natives, this.#port) as number) & ERROR_BITS);
    this.#errors = 0;
    return errors;
  }

  close(): void {
    if (this.#rs485) rs485End.call(natives, this.#port);
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
  return clockMicroseconds.call(natives) as number;
}
