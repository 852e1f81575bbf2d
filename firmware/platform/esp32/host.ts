import device from "embedded:provider/builtin";
import flash from "embedded:storage/flash";
import update from "embedded:update";
import Time from "time";
import Timer from "timer";
import type { Host } from "../../host/host";
import type { TimerId, TimerService } from "../../host/timer";
import { createEsp32BootControl } from "./boot-control";
import { createEsp32Network } from "./network";

/** Moddable's Timer handles are host objects; the firmware only passes them back. */
const timer: TimerService = {
  set: (callback, interval, repeat) => Timer.set(callback as never, interval, repeat) as unknown as TimerId,
  repeat: (callback, interval) => Timer.repeat(callback as never, interval) as unknown as TimerId,
  schedule: (id, interval, repeat) => Timer.schedule(id as never, interval, repeat),
  clear: (id) => Timer.clear(id as never),
};

/** The ESP32 host: Moddable's ECMA-419 host provider plus the ESP-IDF ports. */
export function createEsp32Host(): Host {
  return {
    platform: "esp32",
    device: { ...device, network: createEsp32Network() },
    timer,
    clock: { ticks: () => Time.ticks },
    boot: createEsp32BootControl(),
    flash,
    update,
    log: (line) => trace(line, "\n"),
  };
}
