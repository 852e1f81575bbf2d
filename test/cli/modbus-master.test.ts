/**
 * The host's RTU master over a scripted transport: replies split across
 * chunks, stale input dropped, retries after a timeout or a damaged reply,
 * exceptions taken as answers, the inter-frame silence, broadcast.
 */
import { describe, expect, it } from "vitest";
import { appendCrc } from "../../firmware/modbus/crc16";
import { LinkError, RtuMaster } from "../../host/modbus/master";
import { TransportError, type Transport, type TransportListener } from "../../host/modbus/transport";

function withCrc(text: string): Uint8Array {
  const body = Uint8Array.from(text.split(" "), (b) => parseInt(b, 16));
  const frame = new Uint8Array(body.length + 2);
  frame.set(body);
  appendCrc(frame, body.length);
  return frame;
}

/** Each write is answered by the next script entry: chunks sent after a short delay, or nothing. */
class ScriptedTransport implements Transport {
  readonly description = "scripted line";
  readonly silenceHint = "the script";
  readonly writes: { at: number; frame: Uint8Array }[] = [];
  discards = 0;
  listener: TransportListener | undefined;
  constructor(
    private readonly script: (Uint8Array[] | "silence" | "fail")[],
    readonly interFrameMs = 0,
  ) {}
  setListener(listener: TransportListener | undefined): void {
    this.listener = listener;
  }
  write(frame: Uint8Array): Promise<void> {
    this.writes.push({ at: performance.now(), frame });
    const next = this.script.shift() ?? "silence";
    if (next === "fail") setTimeout(() => this.listener?.error(new TransportError("scripted line closed")), 1);
    else if (next !== "silence") next.forEach((chunk, i) => setTimeout(() => this.listener?.data(chunk), 2 + 2 * i));
    return Promise.resolve();
  }
  discardInput(): Promise<void> {
    this.discards++;
    return Promise.resolve();
  }
  close(): Promise<void> {
    return Promise.resolve();
  }
  /** Bytes arriving between transactions. */
  stale(bytes: Uint8Array): void {
    this.listener?.data(bytes);
  }
}

const READ = { fc: 0x03, slave: 1, address: 0, count: 2 } as const;
const REPLY = withCrc("01 03 04 00 01 00 c0");

describe("RtuMaster", () => {
  it("assembles a reply split over three chunks", async () => {
    const transport = new ScriptedTransport([[REPLY.subarray(0, 2), REPLY.subarray(2, 5), REPLY.subarray(5)]]);
    const master = new RtuMaster(transport, { timeoutMs: 200, retries: 0 });
    expect(await master.transact(READ)).toEqual({ kind: "registers", values: [1, 192] });
  });

  it("drops bytes that arrived before the request and flushes the port's input", async () => {
    const transport = new ScriptedTransport([[REPLY]]);
    const master = new RtuMaster(transport, { timeoutMs: 200, retries: 0 });
    transport.stale(Uint8Array.of(0x01, 0x03, 0x04));
    expect(await master.transact(READ)).toEqual({ kind: "registers", values: [1, 192] });
    expect(transport.discards).toBe(1);
  });

  it("resends after a timeout and takes the second reply", async () => {
    const transport = new ScriptedTransport(["silence", [REPLY]]);
    const master = new RtuMaster(transport, { timeoutMs: 40, retries: 1 });
    expect(await master.transact(READ)).toEqual({ kind: "registers", values: [1, 192] });
    expect(transport.writes.length).toBe(2);
  });

  it("resends after a damaged reply", async () => {
    const damaged = REPLY.slice();
    damaged[4] ^= 0x01;
    const transport = new ScriptedTransport([[damaged], [REPLY]]);
    const master = new RtuMaster(transport, { timeoutMs: 40, retries: 1 });
    expect(await master.transact(READ)).toEqual({ kind: "registers", values: [1, 192] });
    expect(transport.writes.length).toBe(2);
  });

  it("takes an exception as the answer, without resending", async () => {
    const transport = new ScriptedTransport([[withCrc("01 83 02")]]);
    const master = new RtuMaster(transport, { timeoutMs: 40, retries: 3 });
    expect(await master.transact(READ)).toEqual({ kind: "exception", code: 2 });
    expect(transport.writes.length).toBe(1);
  });

  it("gives up with a timeout after every attempt, saying what to check", async () => {
    const transport = new ScriptedTransport([]);
    const master = new RtuMaster(transport, { timeoutMs: 30, retries: 2 });
    const error = await master.transact(READ).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(LinkError);
    expect(error).toMatchObject({
      reason: "timeout",
      attempts: 3,
      message: "no reply from slave 1 on scripted line within 30 ms (3 attempts); check the slave address (--slave), the script",
    });
    expect(transport.writes.length).toBe(3);
  });

  it("reports an incomplete reply with how many bytes came of how many", async () => {
    const transport = new ScriptedTransport([[REPLY.subarray(0, 5)]]);
    const master = new RtuMaster(transport, { timeoutMs: 30, retries: 0 });
    await expect(master.transact(READ)).rejects.toMatchObject({
      reason: "incomplete",
      message: "incomplete reply from slave 1 on scripted line within 30 ms (1 attempt): 5 of 9 bytes [01 03 04 00 01]; check the script",
    });
  });

  it("reports a damaged last reply by its reason and bytes", async () => {
    const wrongSlave = withCrc("02 03 04 00 01 00 c0");
    const transport = new ScriptedTransport([[wrongSlave]]);
    const master = new RtuMaster(transport, { timeoutMs: 30, retries: 0 });
    await expect(master.transact(READ)).rejects.toMatchObject({ reason: "slave", message: expect.stringContaining("reply from slave 2, expected slave 1 [02 03 04 00 01 00 c0") });
  });

  it("fails with the transport's error when the line goes away mid-request", async () => {
    const transport = new ScriptedTransport(["fail"]);
    const master = new RtuMaster(transport, { timeoutMs: 200, retries: 0 });
    await expect(master.transact(READ)).rejects.toEqual(new TransportError("scripted line closed"));
  });

  it("keeps the inter-frame silence after the last byte received before the next request", async () => {
    const transport = new ScriptedTransport([[REPLY], [REPLY]], 25);
    const master = new RtuMaster(transport, { timeoutMs: 200, retries: 0 });
    await master.transact(READ);
    const replied = performance.now();
    await master.transact(READ);
    expect(transport.writes[1]!.at - replied).toBeGreaterThanOrEqual(24);
  });

  it("sends a broadcast write and answers without waiting for a reply", async () => {
    const transport = new ScriptedTransport([]);
    const master = new RtuMaster(transport, { timeoutMs: 5000, retries: 0, turnaroundMs: 0 });
    expect(await master.transact({ fc: 0x06, slave: 0, address: 100, value: 7 })).toEqual({ kind: "broadcast" });
    expect(transport.writes.length).toBe(1);
  });
});
