/**
 * Telemetry: every channel's value, unit, quality and timestamp as one JSON
 * message on `<prefix>/<device-id>/telemetry`, on a drift-free interval and,
 * sooner, when a channel changes significantly (by at least its `delta`, or
 * in quality), but never more often than `minChangeInterval`.
 *
 * {"device":"fieldnode-001","seq":42,"reason":"interval","uptime":420000,
 *  "firmware":"1.0.0","dropped":0,"time":"2026-05-01T12:00:00.000Z",
 *  "channels":{"temperature":{"value":22.53,"unit":"°C","quality":"ok","ts":419903}, …}}
 *
 * `uptime` and each `ts` are ms since boot; `time` (ISO 8601) appears when
 * the device's clock is set. `seq` counts messages since boot, so a
 * subscriber sees gaps; `dropped` counts messages the offline buffer lost.
 */
import { encodeUtf8 } from "../core/utf8";
import type { Clock, TimerId, TimerService } from "../host/timer";
import { Quality, qualityName } from "../sensors/quality";
import type { SamplingLoop } from "../sensors/sampling-loop";
import { SlotScheduler } from "../sensors/scheduler";
import type { SensorHandle } from "../sensors/sensor";
import { formatFixed, jsonString } from "./format";
import type { MqttLink } from "./link";

export interface PublisherOptions {
  loop: SamplingLoop;
  link: MqttLink;
  timer: TimerService;
  clock: Clock;
  deviceId: string;
  firmware: string;
  telemetryTopic: string;
  healthTopic: string;
  /** ms */
  interval: number;
  minChangeInterval: number;
  /** 0: no health messages. */
  healthInterval: number;
  qos: 0 | 1;
  /** Wall-clock ms since the epoch; values before 2020 mean "not set". */
  wallClock?: () => number;
}

export type PublishReason = "interval" | "change" | "start";

const CLOCK_SET = Date.UTC(2020, 0, 1);

export class TelemetryPublisher {
  readonly #o: PublisherOptions;
  readonly #scheduler: SlotScheduler;
  readonly #health: SlotScheduler | undefined;
  readonly #lastValue: Float64Array;
  readonly #lastQuality: Quality[];
  /** For each sensor, the indices of its channels in loop.channels. */
  readonly #indices = new Map<SensorHandle, Int32Array>();
  readonly #wallClock: () => number;
  #seq = 0;
  #lastPublish = -Infinity;
  #changeTimer: TimerId | undefined;
  #published = 0;

  constructor(options: PublisherOptions) {
    this.#o = options;
    const n = options.loop.channels.length;
    this.#lastValue = new Float64Array(n).fill(Number.NaN);
    this.#lastQuality = new Array<Quality>(n).fill(Quality.Stale);
    this.#wallClock = options.wallClock ?? (() => Date.now());
    for (const sensor of options.loop.sensors) {
      this.#indices.set(sensor, Int32Array.from(sensor.channels.map((c) => options.loop.channels.indexOf(c))));
    }
    this.#scheduler = new SlotScheduler(options.timer, options.clock, options.interval, () => this.publish("interval"));
    if (options.healthInterval > 0) {
      this.#health = new SlotScheduler(options.timer, options.clock, options.healthInterval, () => this.#publishHealth());
    }
  }

  /** Messages queued so far. */
  get published(): number {
    return this.#published;
  }

  start(): void {
    const now = this.#o.clock.ticks();
    this.#scheduler.start(now + this.#o.interval);
    this.#health?.start(now + this.#o.healthInterval);
    this.#o.loop.onUpdate = (sensor) => this.#updated(sensor);
  }

  stop(): void {
    this.#scheduler.stop();
    this.#health?.stop();
    if (this.#changeTimer !== undefined) this.#o.timer.clear(this.#changeTimer);
    this.#changeTimer = undefined;
    this.#o.loop.onUpdate = undefined;
  }

  /** Builds the message for every channel as it is now and queues it. */
  publish(reason: PublishReason): void {
    const o = this.#o;
    // This message carries every change; one still waiting for its turn is not needed.
    if (this.#changeTimer !== undefined) o.timer.clear(this.#changeTimer);
    this.#changeTimer = undefined;
    const now = o.clock.ticks();
    const channels = o.loop.channels;
    let json = `{"device":${jsonString(o.deviceId)},"seq":${++this.#seq},"reason":"${reason}","uptime":${now},"firmware":${jsonString(o.firmware)},"dropped":${o.link.outbox.dropped}`;
    const wall = this.#wallClock();
    if (wall >= CLOCK_SET) json += `,"time":"${new Date(wall).toISOString()}"`;
    json += `,"channels":{`;
    for (let i = 0; i < channels.length; i++) {
      const c = channels[i]!;
      // Out of range: the reading that was rejected; otherwise the last good value (held through faults).
      const value = c.quality === Quality.OutOfRange ? c.reading : c.value;
      json += `${i > 0 ? "," : ""}${jsonString(c.name)}:{"value":${formatFixed(value, c.config.decimals)},"unit":${jsonString(c.unit)},"quality":"${qualityName(c.quality)}","ts":${c.timestamp < 0 ? "null" : c.timestamp}}`;
      this.#lastValue[i] = c.value;
      this.#lastQuality[i] = c.quality;
    }
    json += "}}";
    this.#lastPublish = now;
    this.#published++;
    o.link.enqueue(o.telemetryTopic, encodeUtf8(json), o.qos, false);
  }

  /** After every sample (up to 100 Hz): allocation-free unless it publishes. */
  #updated(sensor: SensorHandle): void {
    if (this.#changeTimer !== undefined) return; // a change message is already due
    const indices = this.#indices.get(sensor);
    if (indices === undefined) return;
    const channels = this.#o.loop.channels;
    for (let k = 0; k < indices.length; k++) {
      const i = indices[k]!;
      const c = channels[i]!;
      const quality = c.quality;
      const changed = quality !== this.#lastQuality[i] || (quality === Quality.Ok && c.changedBy(this.#lastValue, i));
      if (!changed) continue;
      const o = this.#o;
      const wait = this.#lastPublish + o.minChangeInterval - o.clock.ticks();
      if (wait <= 0) this.publish("change");
      else {
        this.#changeTimer = o.timer.set(() => {
          this.#changeTimer = undefined;
          this.publish("change");
        }, wait);
      }
      return;
    }
  }

  #publishHealth(): void {
    const o = this.#o;
    const link = o.link;
    let json = `{"device":${jsonString(o.deviceId)},"uptime":${o.clock.ticks()},"firmware":${jsonString(o.firmware)},"mqtt":{"connects":${link.counters.connects},"failures":${link.counters.failures},"delivered":${link.counters.delivered},"resent":${link.counters.resent},"buffered":${link.outbox.length},"dropped":${link.outbox.dropped}},"sensors":{`;
    const sensors = o.loop.sensors;
    for (let i = 0; i < sensors.length; i++) {
      const s = sensors[i]!;
      const c = s.counters;
      json += `${i > 0 ? "," : ""}${jsonString(s.name)}:{"fault":${s.fault === undefined ? "null" : jsonString(s.fault)},"samples":${c.samples},"notReady":${c.notReady},"overruns":${s.scheduler?.overruns ?? 0},"busErrors":${c.busErrors},"crcErrors":${c.crcErrors},"disconnects":${c.disconnects},"recoveries":${c.recoveries}}`;
    }
    json += "}}";
    link.publishNow(o.healthTopic, encodeUtf8(json));
  }
}
