/**
 * Property tests (fast-check): random and mutated frames never crash the
 * slave and never get a reply when their CRC is wrong; a valid request always
 * gets the reply the spec prescribes (reference-model.ts, an independent
 * model); and the same holds on the simulated wire, with garbage in between.
 */
import fc from "fast-check";
import { afterAll, describe, expect, it } from "vitest";
import { crc16 } from "../../firmware/modbus/crc16";
import { compileRegisterMap } from "../../firmware/modbus/register-map";
import { C_EXCEPTIONS, FRAME_CHARACTER, FRAME_OK, FRAME_OVERRUN, FRAME_TIMING, ModbusServer } from "../../firmware/modbus/server";
import { frameTiming } from "../../firmware/modbus/timing";
import { MODEL_MAP_JSON, broadcastEffect, expectedReply, modelTables } from "./reference-model";
import { Rig, toHex, withCrc } from "./rig";

const RUNS = {
  randomFrames: 20_000,
  mutatedFrames: 20_000,
  requestSequences: 3_000,
  wireSequences: 150,
};
const counted: Record<string, number> = {};

afterAll(() => {
  console.log(`Modbus fuzzing: ${Object.entries(counted).map(([k, v]) => `${k} ${v}`).join(", ")} (total ${Object.values(counted).reduce((a, b) => a + b, 0)})`);
});

function newServer(): ModbusServer {
  return new ModbusServer({
    map: compileRegisterMap(JSON.parse(MODEL_MAP_JSON), {}),
    address: 1,
    identity: { vendorName: "v", productCode: "p", majorMinorRevision: "1.0" },
  });
}

const u16 = fc.integer({ min: 0, max: 0xffff });
const address = fc.oneof(fc.integer({ min: 0, max: 130 }), u16);
const hi = (v: number) => v >> 8;
const lo = (v: number) => v & 0xff;

/** Request PDUs as a master formats them, valid or not in their values (never in their framing, mostly). */
const requestPdu: fc.Arbitrary<number[]> = fc.oneof(
  fc.tuple(fc.constantFrom(1, 2), address, fc.oneof(fc.integer({ min: 0, max: 40 }), fc.constantFrom(0, 1, 64, 100, 2000, 2001), u16)).map(([f, a, q]) => [f, hi(a), lo(a), hi(q), lo(q)]),
  fc.tuple(fc.constantFrom(3, 4), address, fc.oneof(fc.integer({ min: 0, max: 60 }), fc.constantFrom(0, 1, 125, 126), u16)).map(([f, a, q]) => [f, hi(a), lo(a), hi(q), lo(q)]),
  fc.tuple(address, fc.oneof(fc.constantFrom(0, 0xff00), u16)).map(([a, v]) => [5, hi(a), lo(a), hi(v), lo(v)]),
  fc.tuple(address, u16).map(([a, v]) => [6, hi(a), lo(a), hi(v), lo(v)]),
  fc
    .tuple(address, fc.integer({ min: 0, max: 120 }), fc.boolean(), fc.uint8Array({ minLength: 16, maxLength: 16 }))
    .map(([a, q, goodCount, seed]) => {
      const count = goodCount ? Math.ceil(q / 8) : (q * 7 + 3) % 17;
      return [0x0f, hi(a), lo(a), hi(q), lo(q), count, ...Array.from({ length: count }, (_, i) => seed[i % 16]!)];
    }),
  fc
    .tuple(address, fc.oneof(fc.integer({ min: 0, max: 60 }), fc.constantFrom(123, 124)), fc.boolean(), u16)
    .filter(([, q, good]) => !good || q <= 120)
    .map(([a, q, goodCount, seed]) => {
      const count = goodCount ? 2 * q : (q * 5 + 1) % 30;
      return [0x10, hi(a), lo(a), hi(q), lo(q), count, ...Array.from({ length: count }, (_, i) => (seed * (i + 1)) & 0xff)];
    }),
  fc.tuple(address, u16, u16).map(([a, and, or]) => [0x16, hi(a), lo(a), hi(and), lo(and), hi(or), lo(or)]),
  fc
    .tuple(address, fc.integer({ min: 0, max: 126 }), address, fc.integer({ min: 0, max: 60 }), fc.boolean(), u16)
    .map(([ra, rq, wa, wq, goodCount, seed]) => {
      const count = goodCount ? 2 * wq : (wq + 1) % 9;
      return [0x17, hi(ra), lo(ra), hi(rq), lo(rq), hi(wa), lo(wa), hi(wq), lo(wq), count, ...Array.from({ length: count }, (_, i) => (seed + i) & 0xff)];
    }),
  fc.uint8Array({ maxLength: 40 }).map((data) => [0x08, 0x00, 0x00, ...data]),
  fc
    .tuple(fc.integer({ min: 0, max: 255 }).filter((f) => ![1, 2, 3, 4, 5, 6, 8, 0x0b, 0x0c, 0x0f, 0x10, 0x11, 0x16, 0x17, 0x2b].includes(f & 0x7f) && f < 0x80), fc.uint8Array({ maxLength: 20 }))
    .map(([f, data]) => [f, ...data]),
);

/** Mostly well-formed requests, sometimes a byte too long or too short for their function code. */
const anyPdu: fc.Arbitrary<number[]> = fc.oneof(
  { arbitrary: requestPdu, weight: 8 },
  { arbitrary: fc.tuple(requestPdu, fc.boolean()).map(([pdu, longer]) => (longer ? [...pdu, 0x5a] : pdu.slice(0, -1))).filter((pdu) => pdu.length > 0), weight: 1 },
);

const unicastFrame = requestPdu.map((pdu) => withCrc(new Uint8Array([1, ...pdu])));

describe("the slave against random input", () => {
  it(`never throws on random frames, and answers none whose CRC is wrong (${RUNS.randomFrames} runs)`, () => {
    const server = newServer();
    const tx = new Uint8Array(256);
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 256 }), fc.constantFrom(FRAME_OK, FRAME_OK, FRAME_TIMING, FRAME_OVERRUN, FRAME_CHARACTER), (frame, flags) => {
        const reply = server.handleFrame(frame, frame.length, flags, tx);
        if (flags !== FRAME_OK || frame.length < 4 || crc16(frame) !== 0) expect(reply).toBe(0);
        if (reply > 0) expect(crc16(tx, 0, reply)).toBe(0);
      }),
      { numRuns: RUNS.randomFrames },
    );
    counted["random frames"] = RUNS.randomFrames;
  });

  it(`never answers a valid request damaged in transit: flipped bits, bytes lost or added (${RUNS.mutatedFrames} runs)`, () => {
    const server = newServer();
    const tx = new Uint8Array(256);
    const mutation = fc.oneof(
      fc.record({ kind: fc.constant("flip" as const), at: fc.nat(), bit: fc.integer({ min: 0, max: 7 }) }),
      fc.record({ kind: fc.constant("drop" as const), at: fc.nat() }),
      fc.record({ kind: fc.constant("insert" as const), at: fc.nat(), byte: fc.integer({ min: 0, max: 255 }) }),
      fc.record({ kind: fc.constant("truncate" as const), at: fc.nat() }),
      fc.record({ kind: fc.constant("replace" as const), at: fc.nat(), byte: fc.integer({ min: 0, max: 255 }) }),
    );
    let checked = 0;
    fc.assert(
      fc.property(unicastFrame, fc.array(mutation, { minLength: 1, maxLength: 3 }), (frame, mutations) => {
        const bytes = Array.from(frame);
        for (const m of mutations) {
          const at = m.at % Math.max(1, bytes.length);
          if (m.kind === "flip") bytes[at] = bytes[at]! ^ (1 << m.bit);
          else if (m.kind === "drop") bytes.splice(at, 1);
          else if (m.kind === "insert") bytes.splice(at, 0, m.byte);
          else if (m.kind === "truncate") bytes.length = at;
          else bytes[at] = m.byte;
        }
        const damaged = Uint8Array.from(bytes.slice(0, 256));
        const reply = server.handleFrame(damaged, damaged.length, FRAME_OK, tx);
        if (damaged.length < 4 || crc16(damaged) !== 0) {
          checked++;
          expect(reply).toBe(0);
        }
      }),
      { numRuns: RUNS.mutatedFrames },
    );
    expect(checked).toBeGreaterThan(RUNS.mutatedFrames * 0.95);
    counted["mutated frames"] = RUNS.mutatedFrames;
  });

  it(`answers every valid request exactly as the spec prescribes (${RUNS.requestSequences} sequences of 1-20 requests)`, () => {
    let requests = 0;
    const outcomes = new Map<string, number>();
    fc.assert(
      fc.property(fc.array(anyPdu, { minLength: 1, maxLength: 20 }), (pdus) => {
        const server = newServer();
        const model = modelTables();
        const tx = new Uint8Array(256);
        for (const pdu of pdus) {
          const frame = withCrc(new Uint8Array([1, ...pdu]));
          const n = server.handleFrame(frame, frame.length, FRAME_OK, tx);
          const expected = expectedReply(model, pdu);
          const got = n === 0 ? undefined : toHex(tx.subarray(1, n - 2));
          requests++;
          const outcome = expected === undefined ? "dropped" : expected[0]! & 0x80 ? `exception ${expected[1]}` : "normal";
          outcomes.set(outcome, (outcomes.get(outcome) ?? 0) + 1);
          expect(got, `request ${toHex(pdu)}`).toBe(expected === undefined ? undefined : toHex(expected));
          if (n > 0) expect(tx[0]).toBe(1);
        }
      }),
      { numRuns: RUNS.requestSequences },
    );
    // Every kind of outcome was exercised, not just the easy ones.
    for (const outcome of ["normal", "exception 1", "exception 2", "exception 3", "dropped"]) expect(outcomes.get(outcome) ?? 0).toBeGreaterThan(100);
    counted["valid requests vs model"] = requests;
  });

  it("executes broadcast writes like unicast ones (FC 17: its write), never answers, and counts the errors in 08/0D", () => {
    fc.assert(
      fc.property(requestPdu, (pdu) => {
        const server = newServer();
        const model = modelTables();
        const tx = new Uint8Array(256);
        const frame = withCrc(new Uint8Array([0, ...pdu]));
        expect(server.handleFrame(frame, frame.length, FRAME_OK, tx)).toBe(0);
        const effect = broadcastEffect(model, pdu);
        if (effect !== undefined) expect(server.counters[C_EXCEPTIONS], `broadcast ${toHex(pdu)}: ${effect}`).toBe(effect === "error" ? 1 : 0);
        const read = withCrc(new Uint8Array([1, 3, 0, 0, 0, 50]));
        const n = server.handleFrame(read, read.length, FRAME_OK, tx);
        expect(toHex(tx.subarray(1, n - 2))).toBe(toHex(expectedReply(model, [3, 0, 0, 0, 50])!));
      }),
      { numRuns: 2000 },
    );
    counted["broadcasts"] = 2000;
  });
});

describe("the slave on the simulated wire", () => {
  it(`answers valid requests correctly between bursts of garbage, per character and in UART bursts (${RUNS.wireSequences} sequences)`, () => {
    const garbage = fc.uint8Array({ minLength: 1, maxLength: 40 }).map((g) => {
      if (g.length >= 4 && crc16(g) === 0) g[0] = g[0]! ^ 1;
      return g;
    });
    const step = fc.oneof(
      requestPdu.map((pdu) => ({ kind: "request" as const, pdu })),
      garbage.map((bytes) => ({ kind: "garbage" as const, bytes })),
    );
    fc.assert(
      fc.property(fc.array(step, { minLength: 1, maxLength: 8 }), fc.constantFrom(9600, 19200, 115200), fc.constantFrom("character" as const, "burst" as const), (steps, baud, receiveTiming) => {
        const rig = new Rig({ mapText: MODEL_MAP_JSON, settings: { baud }, receiveTiming });
        const model = modelTables();
        const gap = frameTiming(rig.lineFormat).t35Us * 1.2;
        for (const s of steps) {
          if (s.kind === "garbage") {
            rig.sendRaw(s.bytes, { gapsUs: [gap] });
            continue;
          }
          const expected = expectedReply(model, s.pdu);
          const frame = withCrc(new Uint8Array([1, ...s.pdu]));
          const reply = rig.transactFrame(frame, { gapsUs: [gap] });
          expect(reply === undefined ? undefined : toHex(reply.bytes.subarray(1, reply.bytes.length - 2)), `request ${toHex(s.pdu)}`).toBe(
            expected === undefined ? undefined : toHex(expected),
          );
        }
        expect(rig.faults).toEqual([]);
      }),
      { numRuns: RUNS.wireSequences },
    );
    counted["wire sequences"] = RUNS.wireSequences;
  });
});
