import device from "embedded:provider/builtin";
import flash from "embedded:storage/flash";
import update from "embedded:update";
import Timer from "timer";
import type { Host } from "../../host/host";
import type { TimerId, TimerService } from "../../host/timer";
import { createEsp32BootControl } from "./boot-control";
import { createEsp32Crypto } from "./crypto";
import { createEsp32Network } from "./network";
import { esp32DeviceId } from "./identity";
import { createEsp32Mqtt } from "./mqtt";
import { createEsp32SensorBoard } from "./sensors";
import { ESP32_MODBUS_PORT, microseconds } from "./serial";

/** Moddable's Timer handles are host objects; the firmware only passes them back. */
const timer: TimerService = {
  set: (callback, interval, repeat) => Timer.set(callback as never, interval, repeat) as unknown as TimerId,
  repeat: (callback, interval) => Timer.repeat(callback as never, interval) as unknown as TimerId,
  schedule: (id, interval, repeat) => Timer.schedule(id as never, interval, repeat),
  clear: (id) => Timer.clear(id as never),
};

/**
 * Milliseconds since boot from esp_timer's 64-bit microsecond count. Moddable's
 * Time.ticks is the FreeRTOS tick count as a 32-bit integer: it goes negative
 * after 24.8 days, and a scheduler comparing absolute ticks would stop.
 */
const ticks = (): number => Math.floor(microseconds() / 1000);

/** The ESP32 host: Moddable's ECMA-419 host provider plus the ESP-IDF ports. */
export function createEsp32Host(): Host {
  return {
    platform: "esp32",
    deviceId: esp32DeviceId(),
    device: {
      ...device,
      ...createEsp32SensorBoard(),
      network: { ...createEsp32Network(), mqtt: createEsp32Mqtt() },
      serial: { modbus: ESP32_MODBUS_PORT },
    },
    timer,
    clock: { ticks, microseconds },
    boot: createEsp32BootControl(),
    flash,
    update,
    crypto: createEsp32Crypto(),
    log: (line) => trace(line, "\n"),
  };
}
