/**
 * End-to-end telemetry on the simulator's parts: the firmware's sampling loop
 * and telemetry on the simulated board and Moddable timer, the simulator's
 * ECMA-419 MQTT client on a real socket, a real broker. Virtual time moves in
 * small steps with the Node event loop turning in between, so socket I/O
 * keeps pace with the firmware's timers.
 */
import { sensorsSection } from "../../firmware/sensors/settings";
import { createSamplingLoop } from "../../firmware/sensors/setup";
import { telemetrySection } from "../../firmware/telemetry/settings";
import { startTelemetry, type Telemetry } from "../../firmware/telemetry/setup";
import { VirtualClock } from "../../sim/clock/virtual-clock";
import { PowerDomain } from "../../sim/device/power-domain";
import { createAnalogClass } from "../../sim/io/analog";
import { createI2CClass } from "../../sim/io/i2c";
import { createTimerService } from "../../sim/io/timer";
import { createMqttClientClass } from "../../sim/net/mqtt-client";
import { BOARD_I2C, BOARD_LOOP_PIN, DEFAULT_PHYSICS, SimSensorBoard } from "../../sim/sensors/board";

export const tick = () => new Promise<void>((resolve) => setImmediate(resolve));

/** Advances virtual time in `step` ms increments, letting I/O run between them. */
export async function pump(clock: VirtualClock, ms: number, step = 10): Promise<void> {
  const end = clock.now() + ms;
  while (clock.now() < end) {
    clock.advance(Math.min(step, end - clock.now()));
    await tick();
  }
}

/** Pumps until `done()` holds; fails after `realMs` of wall time. */
export async function pumpUntil(clock: VirtualClock, done: () => boolean, what: string, realMs = 10_000, step = 10): Promise<void> {
  const deadline = Date.now() + realMs;
  while (!done()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what} (virtual time ${clock.now()} ms)`);
    clock.advance(step);
    await tick();
    await new Promise<void>((resolve) => setTimeout(resolve, 0));
  }
}

export interface NodeOptions {
  host: string;
  port: number;
  deviceId?: string;
  telemetry?: Record<string, unknown>;
  sensors?: Record<string, unknown>;
}

/** One device's firmware parts (no flash, no bootloader) publishing to a broker. */
export function telemetryNode(options: NodeOptions) {
  const clock = new VirtualClock();
  const faults: unknown[] = [];
  let domain = new PowerDomain((error) => faults.push(error));
  const board = new SimSensorBoard({ clock, physics: DEFAULT_PHYSICS });
  const log: string[] = [];
  let telemetry: Telemetry | undefined;
  const boot = () => {
    const timer = createTimerService(clock, domain);
    const ticks = { ticks: () => Math.floor(clock.now()) };
    const loop = createSamplingLoop(
      {
        timer,
        clock: ticks,
        log: (line) => log.push(line),
        board: {
          I2C: { default: { io: createI2CClass(board.i2c, domain), data: BOARD_I2C.data, clock: BOARD_I2C.clock } },
          Analog: { default: { io: createAnalogClass(board.analog, domain), pin: BOARD_LOOP_PIN } },
        },
      },
      sensorsSection.validate(options.sensors ?? {}),
    );
    loop.start();
    telemetry = startTelemetry(
      {
        timer,
        clock: ticks,
        log: (line) => log.push(line),
        mqtt: { io: createMqttClientClass(domain, clock), host: options.host, port: options.port },
        deviceId: options.deviceId ?? "node-e2e",
        firmware: "9.9.9",
        wallClock: () => 0,
      },
      telemetrySection.validate({ interval: 1_000, healthInterval: 0, reconnectMin: 200, reconnectMax: 1_000, ...options.telemetry }),
      loop,
    );
    return { loop, telemetry: telemetry! };
  };
  let parts = boot();
  return {
    clock,
    board,
    log,
    faults,
    get loop() {
      return parts.loop;
    },
    get telemetry() {
      return parts.telemetry;
    },
    /** Power cut: every socket dies with the power domain, without DISCONNECT. */
    powerCut() {
      domain.end();
    },
    powerOn() {
      domain = new PowerDomain((error) => faults.push(error));
      parts = boot();
    },
  };
}
