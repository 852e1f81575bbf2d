/**
 * The device bundle (`npm run build`: firmware/main.ts and
 * firmware/platform/esp32) evaluated on XS against fakes of the Moddable
 * modules it imports: the ESP32 host code itself runs, not a stand-in.
 */
import { clock, faults, ffiCalls, gpio, traced } from "../moddable/probe";
import "fieldnode:device-bundle";

export const scenarios = {
  "device entry boots and logs through trace": () => ({ traced: [...traced], faults: [...faults] }),

  "boot asks ESP-IDF for the running slot, its state and the reset reason": () => ({
    label: ffiCalls.fieldnode_running_label ?? 0,
    state: ffiCalls.fieldnode_running_state ?? 0,
    reason: ffiCalls.esp_reset_reason ?? 0,
    subscribed: ffiCalls.fieldnode_watchdog_subscribe ?? 0,
  }),

  "a minute of running blinks the LED and feeds the task watchdog every second": () => {
    clock.advance(60_000);
    return { ledTransitions: gpio.state(2).transitions, feeds: ffiCalls.fieldnode_watchdog_feed ?? 0, faults: [...faults] };
  },
};
