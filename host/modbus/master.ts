/**
 * A Modbus RTU master for one request at a time: sends a request, collects
 * the reply however the transport splits it, checks it, and retries when it
 * times out or arrives damaged. An exception reply is an answer, never
 * retried.
 */
import { ResponseCollector } from "./collector";
import { BROADCAST, encodeRequest, hexByte, type ModbusRequest } from "./request";
import { decodeResponse, type InvalidReason, type ModbusResponse } from "./response";
import { TransportError, type Transport } from "./transport";

export interface MasterOptions {
  /** How long to wait for each reply, from the moment the request is handed to the OS, ms. */
  timeoutMs: number;
  /** Further attempts after a timeout or a damaged reply. */
  retries: number;
  /** After a broadcast, how long before anything else is sent, ms (serial line spec §2.4.1 "turnaround delay"). */
  turnaroundMs?: number;
}

/** What a transaction can end with: an answer from the slave, or, for a broadcast, none by design. */
export type Answer = Exclude<ModbusResponse, { kind: "invalid" }> | { readonly kind: "broadcast" };

export type LinkFailure = "timeout" | "incomplete" | InvalidReason;

/** No usable reply after every attempt: the line, the address or the settings are wrong. */
export class LinkError extends Error {
  override readonly name = "LinkError";
  constructor(
    message: string,
    readonly reason: LinkFailure,
    readonly attempts: number,
    /** The last attempt's bytes, if any came. */
    readonly received: Uint8Array,
  ) {
    super(message);
  }
}

type Attempt =
  | { kind: "reply"; response: ModbusResponse; frame: Uint8Array }
  | { kind: "timeout"; received: Uint8Array; expected: number | undefined };

const now = (): number => performance.now();
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

export function hexBytes(bytes: Uint8Array, max = 32): string {
  const shown = Array.from(bytes.subarray(0, max), (b) => b.toString(16).padStart(2, "0")).join(" ");
  return bytes.length > max ? `${shown} ...` : shown;
}

export class RtuMaster {
  readonly #transport: Transport;
  readonly #options: Required<MasterOptions>;
  readonly #collector = new ResponseCollector();
  /** When the line last carried a byte towards us, for the inter-frame silence. */
  #lastActivity = -Infinity;
  /** A failed attempt may still be answered late; that answer must not be taken for the next request's. */
  #unsettled = false;
  /** A transport failure between transactions, reported by the next one. */
  #broken: TransportError | undefined;

  constructor(transport: Transport, options: MasterOptions) {
    this.#transport = transport;
    this.#options = { turnaroundMs: 100, ...options };
    transport.setListener(this.#idle);
  }

  /** Between transactions whatever arrives is stale; it is dropped, but it keeps the line busy. */
  readonly #idle = {
    data: () => {
      this.#lastActivity = now();
    },
    error: (error: TransportError) => {
      this.#broken = error;
    },
  };

  /**
   * Sends `request` and returns the slave's answer (data, write confirmation
   * or exception). Throws LinkError when no attempt got a usable reply, and
   * TransportError when the port or connection fails.
   */
  async transact(request: ModbusRequest): Promise<Answer> {
    const frame = encodeRequest(request);
    const attempts = this.#options.retries + 1;
    let last: Attempt | undefined;
    for (let n = 1; n <= attempts; n++) {
      await this.#prepare();
      if (request.slave === BROADCAST) {
        await this.#transport.write(frame);
        // Slaves execute a broadcast without answering; give them the turnaround delay before anything else.
        await sleep(this.#options.turnaroundMs);
        return { kind: "broadcast" };
      }
      last = await this.#exchange(request, frame);
      if (last.kind === "reply" && last.response.kind !== "invalid") return last.response;
      this.#unsettled = true;
    }
    throw this.#failure(request, last!, attempts);
  }

  /** The line this master talks on, for messages: "/dev/ttyUSB0 at 19200 8E1". */
  get description(): string {
    return this.#transport.description;
  }

  async close(): Promise<void> {
    this.#transport.setListener(undefined);
    await this.#transport.close();
  }

  /** Line silence before a request (t3.5, and a quiet spell after a failure), then no stale input. */
  async #prepare(): Promise<void> {
    if (this.#broken !== undefined) throw this.#broken;
    if (this.#unsettled) {
      // Wait until the line has been quiet for a while, within one timeout: a late reply to the
      // previous attempt arrives now and is dropped, instead of answering the next request.
      const quiet = Math.min(100, this.#options.timeoutMs);
      const deadline = now() + this.#options.timeoutMs;
      this.#lastActivity = now();
      while (now() - this.#lastActivity < quiet && now() < deadline) await sleep(quiet / 4);
      this.#unsettled = false;
    }
    const gap = this.#transport.interFrameMs - (now() - this.#lastActivity);
    if (gap > 0) await sleep(gap);
    await this.#transport.discardInput();
    if (this.#broken !== undefined) throw this.#broken;
  }

  #exchange(request: ModbusRequest, frame: Uint8Array): Promise<Attempt> {
    const transport = this.#transport;
    const collector = this.#collector;
    collector.reset();
    return new Promise<Attempt>((resolve, reject) => {
      let done = false;
      let timer: NodeJS.Timeout | undefined;
      const finish = (attempt: Attempt | TransportError): void => {
        if (done) return;
        done = true;
        clearTimeout(timer);
        transport.setListener(this.#idle);
        if (attempt instanceof TransportError) reject(attempt);
        else resolve(attempt);
      };
      transport.setListener({
        data: (chunk) => {
          this.#lastActivity = now();
          const reply = collector.push(chunk);
          if (reply !== undefined) finish({ kind: "reply", response: decodeResponse(request, reply), frame: reply });
        },
        error: finish,
      });
      transport.write(frame).then(
        () => {
          if (!done) timer = setTimeout(() => finish({ kind: "timeout", received: collector.received, expected: collector.expectedLength }), this.#options.timeoutMs);
        },
        (error: unknown) => finish(error instanceof TransportError ? error : new TransportError(String(error))),
      );
    });
  }

  #failure(request: ModbusRequest, attempt: Attempt, attempts: number): LinkError {
    const transport = this.#transport;
    const tries = `${attempts} attempt${attempts === 1 ? "" : "s"}`;
    const on = `on ${transport.description}`;
    if (attempt.kind === "reply") {
      const invalid = attempt.response as Extract<ModbusResponse, { kind: "invalid" }>;
      return new LinkError(
        `bad reply to function ${hexByte(request.fc)} from slave ${request.slave} ${on} (${tries}): ${invalid.message} [${hexBytes(attempt.frame)}]; check for line noise, ${transport.silenceHint}, and a second device with address ${request.slave}`,
        invalid.reason,
        attempts,
        attempt.frame,
      );
    }
    const { received, expected } = attempt;
    const timeout = this.#options.timeoutMs;
    if (received.length === 0) {
      return new LinkError(
        `no reply from slave ${request.slave} ${on} within ${timeout} ms (${tries}); check the slave address (--slave), ${transport.silenceHint}`,
        "timeout",
        attempts,
        received,
      );
    }
    if (expected === undefined && received.length >= 5) {
      // A function code whose length nobody knows: say what is wrong with it rather than "incomplete".
      const decoded = decodeResponse(request, received);
      if (decoded.kind === "invalid") {
        return new LinkError(`bad reply to function ${hexByte(request.fc)} from slave ${request.slave} ${on} (${tries}): ${decoded.message} [${hexBytes(received)}]`, decoded.reason, attempts, received);
      }
    }
    const of = expected === undefined ? "" : ` of ${expected}`;
    return new LinkError(
      `incomplete reply from slave ${request.slave} ${on} within ${timeout} ms (${tries}): ${received.length}${of} bytes [${hexBytes(received)}]; check ${transport.silenceHint}`,
      "incomplete",
      attempts,
      received,
    );
  }
}
