/**
 * The sampling loop: every sensor on its own drift-free slot grid, plus a
 * supervisor that feeds the task watchdog only while every sensor keeps its
 * schedule. A loop that stops turning (the event loop blocked, a sensor's
 * timer lost) stops feeding, and the watchdog resets the device.
 */
import type { Clock, TimerService } from "../host/timer";
import type { Channel } from "./channel";
import { SlotScheduler } from "./scheduler";
import type { SensorHandle, SensorParts } from "./sensor";

/** How often the supervisor checks the sensors and feeds the watchdog, ms. */
export const SUPERVISOR_INTERVAL_MS = 1000;
/** A sensor whose next slot is overdue by more than this is stuck, ms. */
export const STALL_TOLERANCE_MS = 3000;
/** Room for update listeners: telemetry, a test or benchmark, spares. Fixed so notifying allocates nothing. */
export const MAX_UPDATE_LISTENERS = 4;

export type UpdateListener = (sensor: SensorHandle) => void;

export interface SamplingLoopParts {
  timer: TimerService;
  clock: Clock;
  log: (line: string) => void;
  /** BootControl.feedWatchdog; omitted, nothing is fed (a test build that starves the watchdog). */
  feedWatchdog?: () => void;
}

export class SamplingLoop {
  readonly sensors: readonly SensorHandle[];
  readonly channels: readonly Channel[];
  readonly #parts: SamplingLoopParts;
  readonly #sensorParts: SensorParts;
  readonly #supervisor: SlotScheduler;
  readonly #listeners: Array<UpdateListener | undefined> = new Array<UpdateListener | undefined>(MAX_UPDATE_LISTENERS).fill(undefined);
  #listenerCount = 0;
  #onUpdate: UpdateListener | undefined;
  #listenerErrors = 0;
  #feeds = 0;
  #stalled: string | undefined;
  #running = false;

  constructor(parts: SamplingLoopParts, sensors: readonly SensorHandle[]) {
    const names = new Set<string>();
    for (const channel of sensors.flatMap((s) => s.channels)) {
      if (names.has(channel.name)) throw new RangeError(`two channels are named "${channel.name}"`);
      names.add(channel.name);
    }
    this.sensors = sensors;
    this.channels = sensors.flatMap((s) => s.channels);
    this.#parts = parts;
    this.#sensorParts = {
      timer: parts.timer,
      clock: parts.clock,
      log: parts.log,
      updated: (sensor) => this.#notify(sensor),
    };
    this.#supervisor = new SlotScheduler(
      parts.timer,
      parts.clock,
      SUPERVISOR_INTERVAL_MS,
      (_slot, _due, now) => this.#supervise(now),
      (error) => {
        if (this.#supervisor.errors === 1) parts.log(`sampling loop: the supervisor failed (${error instanceof Error ? error.message : String(error)}); it goes on`);
      },
    );
  }

  /**
   * Calls `listener` after every sensor slot (sampled, nothing new, or
   * failed), with the others; at most MAX_UPDATE_LISTENERS. A listener that
   * throws is counted and skipped for that update; the others still run.
   */
  addUpdateListener(listener: UpdateListener): void {
    if (this.#listeners.includes(listener)) return;
    if (this.#listenerCount === MAX_UPDATE_LISTENERS) throw new RangeError(`sampling loop: no room for a ${MAX_UPDATE_LISTENERS + 1}th update listener`);
    this.#listeners[this.#listenerCount++] = listener;
  }

  removeUpdateListener(listener: UpdateListener): void {
    const listeners = this.#listeners;
    const index = listeners.indexOf(listener);
    if (index < 0 || index >= this.#listenerCount) return;
    for (let i = index; i < this.#listenerCount - 1; i++) listeners[i] = listeners[i + 1];
    listeners[--this.#listenerCount] = undefined;
  }

  /**
   * One listener slot of its own among the update listeners: setting it
   * replaces only what was set here before. Prefer add/removeUpdateListener.
   */
  set onUpdate(listener: UpdateListener | undefined) {
    if (this.#onUpdate !== undefined) this.removeUpdateListener(this.#onUpdate);
    this.#onUpdate = listener;
    if (listener !== undefined) this.addUpdateListener(listener);
  }

  /** Update listeners that threw, counted per call. */
  get listenerErrors(): number {
    return this.#listenerErrors;
  }

  get running(): boolean {
    return this.#running;
  }

  /** Watchdog feeds so far. */
  get feeds(): number {
    return this.#feeds;
  }

  channel(name: string): Channel | undefined {
    return this.channels.find((c) => c.name === name);
  }

  sensor(name: string): SensorHandle | undefined {
    return this.sensors.find((s) => s.name === name);
  }

  /** Overruns of every sensor, summed. */
  get overruns(): number {
    let total = 0;
    for (const sensor of this.sensors) total += sensor.scheduler?.overruns ?? 0;
    return total;
  }

  start(): void {
    if (this.#running) return;
    this.#running = true;
    const origin = this.#parts.clock.ticks();
    for (const sensor of this.sensors) sensor.start(this.#sensorParts, origin);
    this.#supervisor.start(origin + SUPERVISOR_INTERVAL_MS);
  }

  stop(): void {
    this.#running = false;
    this.#supervisor.stop();
    for (const sensor of this.sensors) sensor.stop();
  }

  /** The name of a sensor whose schedule is overdue, or undefined when all keep time. */
  stalledSensor(now: number): string | undefined {
    const sensors = this.sensors;
    for (let i = 0; i < sensors.length; i++) {
      const sensor = sensors[i]!;
      const scheduler = sensor.scheduler;
      if (scheduler === undefined || !scheduler.running) return sensor.name;
      if (now - scheduler.nextDue > STALL_TOLERANCE_MS) return sensor.name;
    }
    return undefined;
  }

  #notify(sensor: SensorHandle): void {
    const listeners = this.#listeners;
    for (let i = 0; i < this.#listenerCount; i++) {
      try {
        listeners[i]!(sensor);
      } catch (error) {
        if (this.#listenerErrors++ === 0) this.#parts.log(`sampling loop: an update listener failed (${error instanceof Error ? error.message : String(error)})`);
      }
    }
  }

  #supervise(now: number): void {
    const stalled = this.stalledSensor(now);
    if (stalled !== undefined) {
      if (this.#stalled !== stalled) this.#parts.log(`sampling loop: sensor ${stalled} is not keeping its schedule; not feeding the watchdog`);
      this.#stalled = stalled;
      return;
    }
    this.#stalled = undefined;
    const feed = this.#parts.feedWatchdog;
    if (feed !== undefined) {
      feed();
      this.#feeds++;
    }
  }
}
