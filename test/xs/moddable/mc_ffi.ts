import { clock, ffiCalls, uarts } from "./probe";

/**
 * `mc/ffi` with the functions manifest.json declares, answering as ESP-IDF
 * does on a device running ota_0 as a valid image after a power-on reset.
 * Calls are counted so a scenario can check what the platform code invoked.
 */
const ESP_OK = 0;
const uart = (port: number) => {
  const control = uarts.uart(port);
  if (control === undefined) throw new Error(`UART${port} is not open`);
  return control;
};
const answers: Record<string, (...args: number[]) => number | string | undefined> = {
  fieldnode_running_state: () => 2, // ESP_OTA_IMG_VALID
  fieldnode_running_label: () => "ota_0",
  fieldnode_watchdog_subscribe: () => ESP_OK,
  fieldnode_watchdog_feed: () => ESP_OK,
  esp_ota_mark_app_valid_cancel_rollback: () => ESP_OK,
  esp_ota_mark_app_invalid_rollback_and_reboot: () => ESP_OK,
  esp_reset_reason: () => 1, // ESP_RST_POWERON
  esp_restart: () => undefined,
  // firmware/platform/esp32/uart.c, on the simulator's UART model.
  fieldnode_uart_line: (port, parity, stopBits, rxTimeout, rxThreshold) => {
    const control = uart(port!);
    control.setParity((["none", "odd", "even"] as const)[parity!]!);
    control.setStopBits(stopBits === 2 ? 2 : 1);
    control.setReceiveTimeout(rxTimeout!);
    control.setReceiveThreshold(rxThreshold!);
    return ESP_OK;
  },
  fieldnode_rs485_begin: (port, pin) => (uart(port!).setRequestToSend(pin), ESP_OK),
  fieldnode_rs485_transmit: (port) => (uart(port!).driveRequestToSend(1), undefined),
  fieldnode_rs485_release: (port) => (uart(port!).releaseWhenIdle(), undefined),
  fieldnode_rs485_end: (port) => (uarts.uart(port!)?.driveRequestToSend(0), undefined),
  fieldnode_uart_errors: (port) => uart(port!).takeErrors() | (uart(port!).receiveLevel() > 0 ? 8 : 0),
  fieldnode_microseconds: () => clock.now() * 1000,
  // firmware/platform/esp32/identity.ts: the factory MAC into a 6-byte buffer.
  esp_efuse_mac_get_default: (buffer) => {
    new Uint8Array(buffer as unknown as ArrayBuffer).set([0x24, 0x0a, 0xc4, 0x12, 0x34, 0x56]);
    return ESP_OK;
  },
};

export default class FFI {
  constructor() {
    for (const [name, answer] of Object.entries(answers)) {
      (this as Record<string, unknown>)[name] = (...args: number[]) => {
        ffiCalls[name] = (ffiCalls[name] ?? 0) + 1;
        return answer(...args);
      };
    }
  }
}
