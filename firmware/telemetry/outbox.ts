/**
 * The bounded offline buffer: messages wait here, in order, until the broker
 * acknowledges them (QoS 1) or they are written (QoS 0). When it is full the
 * oldest message not already on its way to the broker is dropped, and
 * counted, to make room: after an outage the most recent data arrives, and
 * the subscriber sees the gap in the sequence numbers and in the `dropped`
 * count the messages carry.
 */
export interface OutboxMessage {
  readonly topic: string;
  readonly payload: Uint8Array;
  readonly qos: 0 | 1;
  readonly retain: boolean;
  /** Packet id while sent and not yet acknowledged on the current connection; 0 otherwise. */
  id: number;
  /** Times written to a broker (a resend carries the DUP flag). */
  attempts: number;
}

export class Outbox {
  readonly capacity: number;
  readonly maxBytes: number;
  readonly #messages: OutboxMessage[] = [];
  #bytes = 0;
  #dropped = 0;
  #inFlight = 0;

  constructor(capacity: number, maxBytes: number) {
    if (!Number.isInteger(capacity) || capacity < 1) throw new RangeError(`outbox capacity ${capacity} is not a whole number ≥ 1`);
    this.capacity = capacity;
    this.maxBytes = maxBytes;
  }

  get length(): number {
    return this.#messages.length;
  }

  get bytes(): number {
    return this.#bytes;
  }

  /** Messages sent on the current connection and not yet acknowledged. */
  get inFlightCount(): number {
    return this.#inFlight;
  }

  /** Messages dropped so far to keep within capacity. */
  get dropped(): number {
    return this.#dropped;
  }

  at(index: number): OutboxMessage | undefined {
    return this.#messages[index];
  }

  /** Appends a message, dropping the oldest ones that no longer fit; returns how many were dropped. */
  push(topic: string, payload: Uint8Array, qos: 0 | 1, retain: boolean): number {
    if (payload.length > this.maxBytes) throw new RangeError(`message of ${payload.length} bytes exceeds the ${this.maxBytes}-byte outbox`);
    let dropped = 0;
    while (this.#messages.length > 0 && (this.#messages.length >= this.capacity || this.#bytes + payload.length > this.maxBytes)) {
      let victim = this.#messages.findIndex((m) => m.id === 0);
      if (victim < 0) victim = 0;
      const [message] = this.#messages.splice(victim, 1);
      if (message!.id !== 0) this.#inFlight--;
      this.#bytes -= message!.payload.length;
      dropped++;
    }
    this.#messages.push({ topic, payload, qos, retain, id: 0, attempts: 0 });
    this.#bytes += payload.length;
    this.#dropped += dropped;
    return dropped;
  }

  /** Written to the broker with this packet id (QoS 1): in flight until acknowledged. */
  markSent(message: OutboxMessage, id: number): void {
    if (message.id === 0) this.#inFlight++;
    message.id = id;
    message.attempts++;
  }

  /** The broker acknowledged packet `id`: the message is delivered. Returns false for an unknown id. */
  acknowledge(id: number): boolean {
    const index = id === 0 ? -1 : this.#messages.findIndex((m) => m.id === id);
    if (index < 0) return false;
    const [message] = this.#messages.splice(index, 1);
    this.#bytes -= message!.payload.length;
    this.#inFlight--;
    return true;
  }

  /** Removes a message that needs no acknowledgement (QoS 0, written). */
  remove(message: OutboxMessage): void {
    const index = this.#messages.indexOf(message);
    if (index < 0) return;
    this.#messages.splice(index, 1);
    this.#bytes -= message.payload.length;
    if (message.id !== 0) this.#inFlight--;
  }

  /** True while a message with this packet id is in flight. */
  hasInFlight(id: number): boolean {
    return this.#messages.some((m) => m.id === id);
  }

  /** The connection is gone: nothing is in flight any more; what was will be sent again, in order. */
  resetInFlight(): void {
    for (const message of this.#messages) message.id = 0;
    this.#inFlight = 0;
  }
}
