/**
 * A Modbus RTU gateway onto the simulated bus, what a USB RS-485 adapter and
 * its driver are to a master on a PC: requests from byte streams (TCP
 * connections, a pseudo-terminal) are framed by length and CRC, put on the
 * wire one at a time with exact character timing, and the slave's reply,
 * framed by t3.5 of silence on the wire, goes back to whoever asked.
 *
 * The wire's settings follow the device's UART (a pty cannot tell us the
 * baud rate a master chose); after a master changes them over Modbus, the
 * next request goes out with the new ones.
 */
import { frameTiming, type LineFormat } from "../../firmware/modbus/timing";
import type { ScheduledEvent, SimClock } from "../clock/sim-clock";
import type { SerialLine } from "./line";
import { LineMaster, type ReceivedFrame } from "./line-master";
import { StreamFramer } from "./stream-framer";

export interface GatewayClient {
  readonly name: string;
  write(bytes: Uint8Array): void;
}

export interface GatewayConnection {
  /** Bytes the client sent. */
  push(bytes: Uint8Array): void;
  close(): void;
}

export interface RtuGatewayOptions {
  line: SerialLine;
  clock: SimClock;
  /** The wire's settings for the next request. */
  format: () => LineFormat;
  /** How long to wait for a reply, ms. */
  responseTimeoutMs?: number;
  /** Silence on a stream after which leftover bytes go out as they are, ms. */
  streamIdleMs?: number;
  /** After a broadcast, before the next request, ms (the spec's turnaround delay). */
  turnaroundMs?: number;
}

interface Pending {
  client: GatewayClient;
  frame: Uint8Array;
}

export class RtuGateway {
  readonly #options: RtuGatewayOptions;
  readonly #master: LineMaster;
  readonly #queue: Pending[] = [];
  #current: (Pending & { timeout: ScheduledEvent | undefined }) | undefined;
  readonly #clients = new Set<GatewayClient>();
  /** Transactions carried, for the log and tests. */
  readonly stats = { requests: 0, replies: 0, timeouts: 0, broadcasts: 0 };

  constructor(options: RtuGatewayOptions) {
    this.#options = options;
    this.#master = new LineMaster(options.line, options.clock, options.format(), "gateway");
    this.#master.onFrame((frame) => this.#onReply(frame));
  }

  connect(client: GatewayClient): GatewayConnection {
    this.#clients.add(client);
    const framer = new StreamFramer(this.#options.clock, (frame) => this.#enqueue(client, frame), this.#options.streamIdleMs ?? 20);
    return {
      push: (bytes) => framer.push(bytes),
      close: () => {
        framer.close();
        this.#clients.delete(client);
        for (let i = this.#queue.length - 1; i >= 0; i--) if (this.#queue[i]!.client === client) this.#queue.splice(i, 1);
      },
    };
  }

  close(): void {
    if (this.#current?.timeout !== undefined) this.#options.clock.cancel(this.#current.timeout);
    this.#current = undefined;
    this.#queue.length = 0;
    this.#master.detach();
  }

  #enqueue(client: GatewayClient, frame: Uint8Array): void {
    this.#queue.push({ client, frame });
    if (this.#current === undefined) this.#next();
  }

  #next(): void {
    const pending = this.#queue.shift();
    if (pending === undefined) return;
    const { clock } = this.#options;
    const format = this.#options.format();
    this.#master.format = format;
    const t35Ms = frameTiming(format).t35Us / 1000;
    // A frame starts at least t3.5 after anything else on the line.
    const characters = this.#master.send(pending.frame, { notBefore: this.#options.line.lastActivity + t35Ms });
    const end = characters[characters.length - 1]?.end ?? clock.now();
    this.stats.requests++;
    const broadcast = pending.frame[0] === 0;
    if (broadcast) this.stats.broadcasts++;
    const wait = broadcast ? Math.max(this.#options.turnaroundMs ?? 20, t35Ms) : (this.#options.responseTimeoutMs ?? 1000);
    const current = { ...pending, timeout: undefined as ScheduledEvent | undefined };
    current.timeout = clock.schedule(end + wait, () => {
      current.timeout = undefined;
      if (!broadcast) this.stats.timeouts++;
      this.#done();
    });
    this.#current = current;
  }

  #onReply(frame: ReceivedFrame): void {
    const current = this.#current;
    if (current === undefined || current.frame[0] === 0) return; // nobody asked
    if (current.timeout !== undefined) this.#options.clock.cancel(current.timeout);
    this.stats.replies++;
    if (this.#clients.has(current.client)) current.client.write(frame.bytes);
    this.#done();
  }

  #done(): void {
    this.#current = undefined;
    this.#next();
  }
}
