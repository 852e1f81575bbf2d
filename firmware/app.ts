import { BUILD_FAULT, FIRMWARE_VERSION } from "./build-info";
import { RecordStore } from "./config/record-store";
import { Settings } from "./config/settings";
import type { Host } from "./host/host";
import type { DigitalIO } from "./host/io";
import type { TimerId } from "./host/timer";

/** How often the event loop proves it is alive to the task watchdog. */
export const WATCHDOG_FEED_INTERVAL_MS = 1000;
/** Status LED: 1 Hz blink while the firmware runs. */
export const HEARTBEAT_INTERVAL_MS = 500;

export interface FieldNode {
  readonly version: string;
  readonly settings: Settings;
  /** Releases every timer and IO object the firmware opened. */
  stop(): void;
}

/**
 * The composition root: the one place that wires the firmware's capabilities
 * to the host it runs on. The device entry (main.ts) and the simulator both
 * call it; each capability receives only the parts of the host it needs.
 */
export function start(host: Host): FieldNode {
  const state = host.boot.imageState();
  host.log(
    `fieldnode ${FIRMWARE_VERSION} on ${host.platform}: slot ${host.boot.runningSlot()} (${state}), reset reason ${host.boot.resetReason()}`,
  );

  if (BUILD_FAULT === "crash-at-boot") {
    // A test build: what a null dereference in a bad release looks like.
    throw new Error("deliberate crash at boot (test build)");
  }

  // Configuration lives in its own partition, untouched by updates, and is
  // written whole or not at all (RecordStore), so a power cut never loses it.
  const settings = new Settings(new RecordStore(host.flash.open({ path: "settings" })), host.log);
  const sequence = settings.load();
  host.log(sequence > 0 ? `settings: loaded record ${sequence}` : "settings: none stored, using defaults");

  const timers: TimerId[] = [];
  let led: DigitalIO | undefined;
  const ledPin = host.device.pin.led;
  if (ledPin !== undefined) {
    const { Digital } = host.device.io;
    led = new Digital({ pin: ledPin, mode: Digital.Output });
    let level = 0;
    led.write(level);
    const output = led;
    timers.push(
      host.timer.repeat(() => {
        level ^= 1;
        output.write(level);
      }, HEARTBEAT_INTERVAL_MS),
    );
  }

  // The first feed subscribes the event-loop task to the task watchdog; from
  // then on a loop that stops turning gets the device reset.
  host.boot.feedWatchdog();
  if (BUILD_FAULT !== "starve-watchdog") {
    timers.push(host.timer.repeat(() => host.boot.feedWatchdog(), WATCHDOG_FEED_INTERVAL_MS));
  }

  return {
    version: FIRMWARE_VERSION,
    settings,
    stop() {
      for (const id of timers) host.timer.clear(id);
      timers.length = 0;
      led?.close();
      led = undefined;
    },
  };
}
