/**
 * The host's RTU frame codec: requests byte for byte (the application
 * protocol spec's own examples), replies checked in order (length, CRC,
 * slave, function, byte count, echo), exceptions, replies collected from
 * chunks; and, on random bytes, a specific error instead of a throw.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { appendCrc } from "../../firmware/modbus/crc16";
import { ResponseCollector } from "../../host/modbus/collector";
import { describeException } from "../../host/modbus/exceptions";
import { encodeRequest, requestProblem, type ModbusRequest } from "../../host/modbus/request";
import { decodeResponse } from "../../host/modbus/response";

function hex(text: string): Uint8Array {
  return Uint8Array.from(text.split(/\s+/).filter(Boolean), (b) => parseInt(b, 16));
}
function toHex(bytes: Uint8Array): string {
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join(" ");
}
/** The frame with its CRC appended. */
function withCrc(text: string): Uint8Array {
  const body = hex(text);
  const frame = new Uint8Array(body.length + 2);
  frame.set(body);
  appendCrc(frame, body.length);
  return frame;
}

const READ_3: ModbusRequest = { fc: 0x03, slave: 0x11, address: 0x6b, count: 3 };

describe("request encoding", () => {
  it("FC 03 is the spec's example, CRC low byte first", () => {
    expect(toHex(encodeRequest(READ_3))).toBe("11 03 00 6b 00 03 76 87");
  });

  it("FC 04 ten registers from 0", () => {
    expect(toHex(encodeRequest({ fc: 0x04, slave: 1, address: 0, count: 10 }))).toBe("01 04 00 00 00 0a 70 0d");
  });

  it("FC 05 sends FF 00 for on", () => {
    expect(toHex(encodeRequest({ fc: 0x05, slave: 0x11, address: 0xac, value: true }))).toBe("11 05 00 ac ff 00 4e 8b");
  });

  it("FC 05 sends 00 00 for off", () => {
    expect(toHex(encodeRequest({ fc: 0x05, slave: 1, address: 3, value: false }))).toBe("01 05 00 03 00 00 3d ca");
  });

  it("FC 06 is the spec's example", () => {
    expect(toHex(encodeRequest({ fc: 0x06, slave: 0x11, address: 1, value: 3 }))).toBe("11 06 00 01 00 03 9a 9b");
  });

  it("FC 0F packs coils LSB first, as the spec's example", () => {
    const values = [1, 0, 1, 1, 0, 0, 1, 1, 1, 0].map((b) => b === 1);
    expect(toHex(encodeRequest({ fc: 0x0f, slave: 0x11, address: 0x13, values }))).toBe("11 0f 00 13 00 0a 02 cd 01 bf 0b");
  });

  it("FC 10 is the spec's example", () => {
    expect(toHex(encodeRequest({ fc: 0x10, slave: 0x11, address: 1, values: [0x000a, 0x0102] }))).toBe("11 10 00 01 00 02 04 00 0a 01 02 c6 f0");
  });

  it("refuses 126 registers in one read, naming the limit", () => {
    expect(requestProblem({ fc: 0x03, slave: 1, address: 0, count: 126 })).toBe("126 registers is not 1-125 for function 03");
  });

  it("refuses a broadcast read", () => {
    expect(requestProblem({ fc: 0x04, slave: 0, address: 0, count: 1 })).toBe("a read cannot be broadcast (slave address 0): nobody answers it");
  });

  it("refuses a range that runs past 65535", () => {
    expect(requestProblem({ fc: 0x10, slave: 1, address: 0xffff, values: [1, 2] })).toBe("2 cells from address 65535 run past 65535");
  });

  it("throws RangeError from encodeRequest for a problem", () => {
    expect(() => encodeRequest({ fc: 0x06, slave: 1, address: 0, value: 0x10000 })).toThrow(new RangeError("register value 65536 is not 0-65535"));
  });
});

describe("reply decoding", () => {
  it("FC 03: the spec's example reply gives its three registers", () => {
    expect(decodeResponse(READ_3, hex("11 03 06 ae 41 56 52 43 40 49 ad"))).toEqual({ kind: "registers", values: [0xae41, 0x5652, 0x4340] });
  });

  it("FC 01: exactly the bits asked for, padding dropped", () => {
    const request: ModbusRequest = { fc: 0x01, slave: 1, address: 0, count: 10 };
    expect(decodeResponse(request, withCrc("01 01 02 cd 01"))).toEqual({
      kind: "bits",
      values: [true, false, true, true, false, false, true, true, true, false],
    });
  });

  it("FC 06: a matching echo is a confirmed write", () => {
    const request: ModbusRequest = { fc: 0x06, slave: 0x11, address: 1, value: 3 };
    expect(decodeResponse(request, hex("11 06 00 01 00 03 9a 9b"))).toEqual({ kind: "written" });
  });

  it("FC 10: the echo carries address and quantity", () => {
    const request: ModbusRequest = { fc: 0x10, slave: 0x11, address: 1, values: [10, 258] };
    expect(decodeResponse(request, withCrc("11 10 00 01 00 02"))).toEqual({ kind: "written" });
  });

  it("an exception reply gives its code", () => {
    expect(decodeResponse({ fc: 0x03, slave: 1, address: 4, count: 1 }, hex("01 83 02 c0 f1"))).toEqual({ kind: "exception", code: 2 });
  });

  it("an exception is described by code and name", () => {
    expect(describeException(2)).toBe("exception 02 illegal data address");
  });

  it("a code the spec does not define is named as unknown", () => {
    expect(describeException(0x2a)).toBe("exception 2a unknown exception");
  });

  it("a flipped bit is a CRC mismatch, with both CRCs", () => {
    expect(decodeResponse(READ_3, hex("11 03 06 ae 41 56 52 43 41 49 ad"))).toEqual({
      kind: "invalid",
      reason: "crc",
      message: "CRC mismatch: reply carries 0xad49, its bytes give 0x6d88",
    });
  });

  it("a reply from another slave is refused", () => {
    expect(decodeResponse(READ_3, withCrc("12 03 06 00 00 00 00 00 00"))).toEqual({ kind: "invalid", reason: "slave", message: "reply from slave 18, expected slave 17" });
  });

  it("a reply with another function code is refused", () => {
    expect(decodeResponse(READ_3, withCrc("11 04 06 00 00 00 00 00 00"))).toEqual({
      kind: "invalid",
      reason: "function",
      message: "reply has function code 04, expected 03 (or 83)",
    });
  });

  it("an exception to another function is a function mismatch, not an exception", () => {
    expect(decodeResponse(READ_3, withCrc("11 84 02"))).toMatchObject({ kind: "invalid", reason: "function" });
  });

  it("a byte count that disagrees with the request is refused", () => {
    expect(decodeResponse(READ_3, withCrc("11 03 04 00 00 00 00"))).toEqual({
      kind: "invalid",
      reason: "byte-count",
      message: "reply byte count 4, expected 6 for 3 registers",
    });
  });

  it("an echo with another value is refused", () => {
    const request: ModbusRequest = { fc: 0x06, slave: 1, address: 1, value: 96 };
    expect(decodeResponse(request, withCrc("01 06 00 01 00 c0"))).toEqual({
      kind: "invalid",
      reason: "echo",
      message: "reply echoes address 1 value 192, the request had address 1 value 96",
    });
  });

  it("four bytes are too short for any reply", () => {
    expect(decodeResponse(READ_3, hex("11 83 02 c0"))).toEqual({ kind: "invalid", reason: "short", message: "reply of 4 bytes is shorter than any Modbus reply (5)" });
  });
});

const request = fc.oneof(
  fc.record({ fc: fc.constantFrom(1 as const, 2 as const), slave: fc.integer({ min: 1, max: 247 }), address: fc.integer({ min: 0, max: 1000 }), count: fc.integer({ min: 1, max: 2000 }) }),
  fc.record({ fc: fc.constantFrom(3 as const, 4 as const), slave: fc.integer({ min: 1, max: 247 }), address: fc.integer({ min: 0, max: 1000 }), count: fc.integer({ min: 1, max: 125 }) }),
  fc.record({ fc: fc.constant(6 as const), slave: fc.integer({ min: 1, max: 247 }), address: fc.integer({ min: 0, max: 0xffff }), value: fc.integer({ min: 0, max: 0xffff }) }),
  fc.record({ fc: fc.constant(5 as const), slave: fc.integer({ min: 1, max: 247 }), address: fc.integer({ min: 0, max: 0xffff }), value: fc.boolean() }),
) as fc.Arbitrary<ModbusRequest>;

describe("reply decoding on random bytes (fast-check)", () => {
  it("never throws: every result is data, an exception or a named invalid reason", () => {
    fc.assert(
      fc.property(request, fc.uint8Array({ maxLength: 300 }), (req, bytes) => {
        const result = decodeResponse(req, bytes);
        if (result.kind === "invalid") {
          expect(["short", "crc", "slave", "function", "length", "byte-count", "echo"]).toContain(result.reason);
          expect(result.message.length).toBeGreaterThan(0);
        } else {
          expect(["registers", "bits", "written", "exception"]).toContain(result.kind);
        }
      }),
      { numRuns: 5000 },
    );
  });

  it("random bytes with a valid CRC from the wrong slave are refused as such", () => {
    fc.assert(
      fc.property(request, fc.uint8Array({ minLength: 3, maxLength: 60 }), (req, body) => {
        body[0] = (req.slave % 247) + 1;
        const frame = new Uint8Array(body.length + 2);
        frame.set(body);
        appendCrc(frame, body.length);
        expect(decodeResponse(req, frame)).toMatchObject({ kind: "invalid", reason: "slave" });
      }),
    );
  });
});

describe("collecting a reply from chunks", () => {
  it("completes when the FC 03 reply's announced length has arrived, in three chunks", () => {
    const collector = new ResponseCollector();
    const reply = hex("11 03 06 ae 41 56 52 43 40 49 ad");
    expect(collector.push(reply.subarray(0, 1))).toBeUndefined();
    expect(collector.push(reply.subarray(1, 6))).toBeUndefined();
    expect(collector.expectedLength).toBe(11);
    expect(toHex(collector.push(reply.subarray(6))!)).toBe("11 03 06 ae 41 56 52 43 40 49 ad");
  });

  it("completes an exception reply at 5 bytes, whatever the request", () => {
    const collector = new ResponseCollector();
    expect(collector.push(hex("01 83"))).toBeUndefined();
    expect(toHex(collector.push(hex("02 c0 f1"))!)).toBe("01 83 02 c0 f1");
  });

  it("drops bytes past the frame's end", () => {
    const collector = new ResponseCollector();
    expect(toHex(collector.push(hex("01 83 02 c0 f1 ff ff"))!)).toBe("01 83 02 c0 f1");
  });

  it("forgets everything on reset", () => {
    const collector = new ResponseCollector();
    collector.push(hex("01 03 08 00"));
    collector.reset();
    expect(collector.received.length).toBe(0);
  });

  it("never throws on random chunks", () => {
    fc.assert(
      fc.property(fc.array(fc.uint8Array({ maxLength: 80 }), { maxLength: 20 }), (chunks) => {
        const collector = new ResponseCollector();
        for (const chunk of chunks) {
          const frame = collector.push(chunk);
          if (frame !== undefined) {
            expect(frame.length).toBe(collector.expectedLength);
            collector.reset();
          }
        }
      }),
    );
  });
});
