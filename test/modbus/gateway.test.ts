/**
 * The simulator's gateway between byte streams (pty, TCP) and the simulated
 * bus: requests framed by function-code length and CRC however the stream
 * splits or merges them, one transaction at a time on the wire, each reply to
 * the client that asked. On virtual time.
 */
import { describe, expect, it } from "vitest";
import { RtuGateway } from "../../sim/serial/gateway";
import { Rig, toHex, withCrc } from "./rig";

function setup() {
  const rig = new Rig();
  const gateway = new RtuGateway({ line: rig.line, clock: rig.clock, format: () => rig.lineFormat, responseTimeoutMs: 200 });
  const client = (name: string) => {
    const received: string[] = [];
    const connection = gateway.connect({ name, write: (bytes) => received.push(toHex(bytes)) });
    return { received, push: (bytes: Uint8Array) => connection.push(bytes), close: () => connection.close() };
  };
  return { rig, gateway, client };
}

const READ = withCrc("01 03 00 00 00 01");
const REPLY = toHex(withCrc("01 03 02 00 01"));

describe("the RTU gateway", () => {
  it("puts a request split across stream reads on the wire whole", () => {
    const { rig, client } = setup();
    const a = client("a");
    a.push(READ.subarray(0, 3));
    rig.clock.advance(5);
    a.push(READ.subarray(3));
    rig.clock.advance(50);
    expect(a.received).toEqual([REPLY]);
    expect(rig.counters().timingErrors).toBe(0);
  });

  it("separates requests that arrive in one read, by length and CRC", () => {
    const { rig, client } = setup();
    const a = client("a");
    a.push(new Uint8Array([...READ, ...withCrc("01 10 00 64 00 01 02 00 07"), ...withCrc("01 03 00 64 00 01")]));
    rig.clock.advance(200);
    expect(a.received).toEqual([REPLY, toHex(withCrc("01 10 00 64 00 01")), toHex(withCrc("01 03 02 00 07"))]);
  });

  it("passes an unknown function code on after the stream goes quiet, and the slave answers 01", () => {
    const { rig, client } = setup();
    const a = client("a");
    a.push(withCrc("01 41 01 02 03"));
    rig.clock.advance(100);
    expect(a.received).toEqual([toHex(withCrc("01 c1 01"))]);
  });

  it("passes a longer diagnostics echo on whole once its CRC matches at silence", () => {
    const { rig, client } = setup();
    const a = client("a");
    a.push(withCrc("01 08 00 00 01 02 03 04"));
    rig.clock.advance(100);
    expect(a.received).toEqual([toHex(withCrc("01 08 00 00 01 02 03 04"))]);
  });

  it("passes garbage on whole too, and the slave counts it", () => {
    const { rig, client } = setup();
    const a = client("a");
    a.push(new Uint8Array([0x01, 0x03, 0x00, 0x00, 0x00, 0x01, 0xde, 0xad]));
    rig.clock.advance(100);
    expect(a.received).toEqual([]);
    expect(rig.counters().busCommErrors).toBe(1);
  });

  it("serves two clients one transaction at a time, each its own reply", () => {
    const { rig, client } = setup();
    const a = client("a");
    const b = client("b");
    a.push(withCrc("01 06 00 64 00 0a"));
    b.push(withCrc("01 06 00 65 00 0b"));
    a.push(withCrc("01 03 00 64 00 02"));
    rig.clock.advance(300);
    expect(a.received).toEqual([toHex(withCrc("01 06 00 64 00 0a")), toHex(withCrc("01 03 04 00 0a 00 0b"))]);
    expect(b.received).toEqual([toHex(withCrc("01 06 00 65 00 0b"))]);
    expect(rig.counters().busCommErrors).toBe(0);
  });

  it("waits out a broadcast without expecting a reply", () => {
    const { rig, gateway, client } = setup();
    const a = client("a");
    a.push(withCrc("00 06 00 64 00 05"));
    a.push(READ);
    rig.clock.advance(300);
    expect(a.received).toEqual([REPLY]);
    expect(gateway.stats).toMatchObject({ requests: 2, replies: 1, broadcasts: 1, timeouts: 0 });
  });

  it("gives up on a request nobody answers after the response timeout and goes on", () => {
    const { rig, gateway, client } = setup();
    const a = client("a");
    a.push(withCrc("07 03 00 00 00 01"));
    a.push(READ);
    rig.clock.advance(150);
    expect(a.received).toEqual([]);
    rig.clock.advance(200);
    expect(a.received).toEqual([REPLY]);
    expect(gateway.stats.timeouts).toBe(1);
  });

  it("follows the device's line settings after a master changes them", () => {
    const { rig, client } = setup();
    const a = client("a");
    a.push(withCrc("01 06 00 01 00 60"));
    rig.clock.advance(100);
    a.push(READ);
    rig.clock.advance(100);
    expect(a.received).toEqual([toHex(withCrc("01 06 00 01 00 60")), REPLY]);
    expect(rig.modbus.settings.baud).toBe(9600);
  });
});
