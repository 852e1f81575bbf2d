/**
 * The reference board's RS-485 port as the simulator wires it: UART2 on
 * GPIO 16 (RX) and 17 (TX) to a half-duplex transceiver whose DE and /RE are
 * tied to GPIO 4, on a bus (SerialLine) that outlives resets like the cable
 * does. Masters attach to `line`: tests directly, external tools through the
 * gateway (pty, RTU over TCP).
 */
import type { SerialPortDescription } from "../../firmware/host/io";
import { MODBUS_DEFAULTS } from "../../firmware/modbus/settings";
import type { LineFormat } from "../../firmware/modbus/timing";
import type { SimClock } from "../clock/sim-clock";
import type { PowerDomain } from "../device/power-domain";
import type { GpioBank } from "../io/gpio-bank";
import { createUartBank, type UartBank } from "../io/serial";
import { SerialLine } from "./line";

export const MODBUS_UART = { port: 2, receive: 16, transmit: 17, requestToSend: 4 } as const;

export class ModbusBus {
  readonly line: SerialLine;
  readonly receiveTiming: "character" | "burst";
  #bank: UartBank | undefined;
  #last: LineFormat | undefined;

  /**
   * "character" (default): the UART reports every character at its stop bit,
   * so the firmware times t1.5 and t3.5 exactly; for virtual time. "burst":
   * the ESP32's FIFO and RX timeout; what real time needs, where timers fire
   * late and could not place characters exactly.
   */
  constructor(clock: SimClock, receiveTiming: "character" | "burst" = "character") {
    this.line = new SerialLine(clock);
    this.receiveTiming = receiveTiming;
  }

  /** The UARTs for one power-on, and the board description the firmware finds its Modbus port in. */
  forBoot(clock: SimClock, domain: PowerDomain, gpio: GpioBank): { bank: UartBank; modbus: SerialPortDescription } {
    const bank = createUartBank(
      [{ line: this.line, receive: MODBUS_UART.receive, transmit: MODBUS_UART.transmit, driverEnable: MODBUS_UART.requestToSend, name: "device" }],
      clock,
      domain,
      gpio,
      { receiveTiming: this.receiveTiming },
    );
    this.#bank = bank;
    return {
      bank,
      modbus: {
        io: bank.Serial,
        ...MODBUS_UART,
        receiveTiming: this.receiveTiming,
        receiveThreshold: 120,
        transmitFifo: 128,
      },
    };
  }

  /**
   * The device UART's line settings (while it is closed, the last ones it had,
   * or the defaults): what a gateway transmits with.
   */
  format(): LineFormat {
    const open = this.#bank?.uart(MODBUS_UART.port)?.format;
    if (open !== undefined) this.#last = open;
    return this.#last ?? { baud: MODBUS_DEFAULTS.baud, parity: MODBUS_DEFAULTS.parity, stopBits: MODBUS_DEFAULTS.stopBits };
  }
}
