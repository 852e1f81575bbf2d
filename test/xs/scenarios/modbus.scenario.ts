/**
 * The Modbus framing and PDU code on both engines: CRC-16, the RTU framer's
 * t1.5 / t3.5 decisions from character timestamps and from a bursting UART's
 * reports, the server's replies
 * byte for byte, register map encodings, and map validation messages. Every
 * scenario checks its own result against fixed expectations and throws when
 * they differ, so both engines being wrong the same way fails too.
 */
import { appendCrc, crc16 } from "../../../firmware/modbus/crc16";
import { RtuFramer } from "../../../firmware/modbus/framer";
import { parseRegisterMapJson } from "../../../firmware/modbus/map-schema";
import { compileRegisterMap } from "../../../firmware/modbus/register-map";
import { receiveTimeoutCharacters } from "../../../firmware/modbus/rtu-slave";
import { FRAME_OK, FRAME_TIMING, ModbusServer } from "../../../firmware/modbus/server";
import { frameTiming } from "../../../firmware/modbus/timing";
import { toHex } from "./support/hex";

function bytes(hex: string): Uint8Array {
  const parts = hex.split(" ").filter((p) => p.length > 0);
  return Uint8Array.from(parts.map((p) => parseInt(p, 16)));
}

function withCrc(hex: string): Uint8Array {
  const body = bytes(hex);
  const frame = new Uint8Array(body.length + 2);
  frame.set(body);
  appendCrc(frame, body.length);
  return frame;
}

function checked<T>(value: T, ok: boolean): T {
  if (!ok) throw new Error(`check failed: ${JSON.stringify(value)}`);
  return value;
}

let uptime = 3600;
const sources = {
  test: {
    description: "test",
    points: {
      temperature: { read: () => -12.34 },
      pressure: { read: () => 1013.25 },
      uptime: { read: () => uptime },
      invalid: { read: () => undefined },
    },
  },
};

const MAP = {
  blocks: [
    { name: "coils", table: "coils", address: 0, source: "storage", count: 16 },
    { name: "holding", table: "holding-registers", address: 100, source: "storage", count: 100 },
    {
      name: "live",
      table: "input-registers",
      address: 0,
      source: "test",
      points: [
        { point: "temperature", type: "int16", scale: 100 },
        { point: "pressure", type: "float32" },
        { point: "pressure", type: "float32", wordOrder: "low-first" },
        { point: "uptime", type: "uint32" },
        { point: "invalid" },
      ],
    },
  ],
};

function server(): ModbusServer {
  return new ModbusServer({
    map: compileRegisterMap(MAP, sources),
    address: 1,
    identity: { vendorName: "fieldnode", productCode: "fieldnode", majorMinorRevision: "1.2.3" },
    serverInfo: "xs",
  });
}

/** Request (no CRC) → reply (no CRC), "" for none. */
const VECTORS: Array<[string, string]> = [
  ["01 0f 00 00 00 0a 02 cd 01", "01 0f 00 00 00 0a"],
  ["01 01 00 00 00 0a", "01 01 02 cd 01"],
  ["01 01 00 00 00 00", "01 81 03"],
  ["01 01 00 10 00 01", "01 81 02"],
  ["01 05 00 03 ff 00", "01 05 00 03 ff 00"],
  ["01 05 00 03 12 34", "01 85 03"],
  ["01 06 00 64 00 12", "01 06 00 64 00 12"],
  ["01 16 00 64 00 f2 00 25", "01 16 00 64 00 f2 00 25"],
  ["01 03 00 64 00 01", "01 03 02 00 17"],
  ["01 10 00 65 00 02 04 00 0a 01 02", "01 10 00 65 00 02"],
  ["01 17 00 64 00 03 00 66 00 01 02 ab cd", "01 17 06 00 17 00 0a ab cd"],
  ["01 03 00 64 00 7e", "01 83 03"],
  ["01 03 00 c7 00 02", "01 83 02"],
  ["01 04 00 00 00 07", "01 04 0e fb 2e 44 7d 50 00 50 00 44 7d 00 00 0e 10"],
  ["01 04 00 07 00 01", "01 84 04"],
  ["01 08 00 00 a5 37", "01 08 00 00 a5 37"],
  ["01 08 00 0d 00 00", "01 08 00 0d 00 06"],
  ["01 08 00 13 00 00", "01 88 01"],
  ["01 0b", "01 0b 00 00 00 0b"],
  ["01 11", "01 11 04 46 ff 78 73"],
  ["01 2b 0e 01 00", "01 2b 0e 01 82 00 00 03 00 09 66 69 65 6c 64 6e 6f 64 65 01 09 66 69 65 6c 64 6e 6f 64 65 02 05 31 2e 32 2e 33"],
  ["01 2b 0e 04 03", "01 ab 02"],
  ["01 41", "01 c1 01"],
  ["00 06 00 64 00 99", ""],
  ["02 03 00 00 00 01", ""],
  ["01 03 00 00 00 01 00", ""],
];

export const scenarios = {
  "CRC-16/MODBUS check value and the low-byte-first frame CRC": () => {
    const check = crc16(Uint8Array.from([0x31, 0x32, 0x33, 0x34, 0x35, 0x36, 0x37, 0x38, 0x39]));
    const frame = toHex(withCrc("01 03 00 00 00 01"));
    return checked({ check: check.toString(16), frame, residue: crc16(withCrc("01 03 00 00 00 01")) }, check === 0x4b37 && frame === "010300000001840a");
  },

  "the server answers each request byte for byte as the spec prescribes": () => {
    const s = server();
    const tx = new Uint8Array(256);
    const results = VECTORS.map(([request, expected]) => {
      const frame = withCrc(request);
      const n = s.handleFrame(frame, frame.length, FRAME_OK, tx);
      const got = n === 0 ? "" : toHex(tx.subarray(0, n - 2));
      const crcOk = n === 0 || crc16(tx, 0, n) === 0;
      return { request, got, ok: got === expected.replace(/ /g, "") && crcOk };
    });
    const failed = results.filter((r) => !r.ok);
    return checked({ count: results.length, failed }, failed.length === 0);
  },

  "the framer applies t1.5 and t3.5 at 9600 and 115200 baud": () => {
    const out: Array<{ baud: number; gap: string; frames: number[][] }> = [];
    for (const baud of [9600, 115200]) {
      const timing = frameTiming({ baud, parity: "even", stopBits: 1 });
      for (const [label, gapUs] of [
        ["t1.5", timing.t15Us],
        ["t1.5+1", timing.t15Us + 1],
        ["t3.5-1", timing.t35Us - 1],
        ["t3.5", timing.t35Us],
      ] as Array<[string, number]>) {
        const frames: number[][] = [];
        const framer = new RtuFramer(timing, "character", (_frame, length, flags) => frames.push([length, flags]));
        const one = new Uint8Array(1);
        let t = 1000;
        for (let i = 0; i < 8; i++) {
          if (i === 4) t += gapUs;
          t += timing.characterUs;
          framer.receive(one, 1, t, 0);
        }
        framer.poll(t + 10 * timing.t35Us);
        out.push({ baud, gap: label, frames });
      }
    }
    const expect = [
      [[8, FRAME_OK]],
      [[8, FRAME_TIMING]],
      [[8, FRAME_TIMING]],
      [[4, FRAME_OK], [4, FRAME_OK]],
    ];
    const ok = out.every((r, i) => JSON.stringify(r.frames) === JSON.stringify(expect[i % 4]));
    return checked(out, ok);
  },

  "the framer applies t1.5 and t3.5 to a bursting UART's reports at 9600 and 115200 baud": () => {
    const out: Array<{ baud: number; case: string; frames: number[][] }> = [];
    for (const baud of [9600, 115200]) {
      const timing = frameTiming({ baud, parity: "even", stopBits: 1 });
      const c = timing.characterUs;
      const rxUs = receiveTimeoutCharacters(timing) * c;
      const chunk = new Uint8Array(128);
      // Reports as [count, end of its last character µs, by timeout]; a report by timeout comes rxUs after its end.
      const cases: Array<[string, Array<[number, number, boolean]>]> = [
        ["one report", [[8, 1000 + 8 * c, true]]],
        ["gap over the timeout", [[4, 1000 + 4 * c, true], [4, 1000 + 8 * c + (rxUs + timing.t35Us) / 2, true]]],
        ["gap t3.5-1", [[4, 1000 + 4 * c, true], [4, 1000 + 8 * c + timing.t35Us - 1, true]]],
        ["gap t3.5", [[4, 1000 + 4 * c, true], [4, 1000 + 8 * c + timing.t35Us, true]]],
        ["threshold then the rest", [[120, 1000 + 120 * c, false], [8, 1000 + 128 * c, true]]],
      ];
      for (const [label, reports] of cases) {
        const frames: number[][] = [];
        const framer = new RtuFramer(timing, "burst", (_frame, length, flags) => frames.push([length, flags]), rxUs);
        let now = 0;
        for (const [count, end, byTimeout] of reports) {
          now = byTimeout ? end + rxUs : end;
          framer.receiveBurst(chunk, count, now, byTimeout, 0);
        }
        framer.poll(now + 10 * timing.t35Us);
        out.push({ baud, case: label, frames });
      }
    }
    const expect = [[[8, FRAME_OK]], [[8, FRAME_TIMING]], [[8, FRAME_TIMING]], [[4, FRAME_OK], [4, FRAME_OK]], [[128, FRAME_OK]]];
    const ok = out.every((r, i) => JSON.stringify(r.frames) === JSON.stringify(expect[i % 5]));
    return checked(out, ok);
  },

  "a map file's errors name the offending entry, identically": () => {
    const messages: string[] = [];
    for (const text of [
      "{",
      '{"blocks":[{"name":"a","table":"holding","address":0,"source":"storage","count":1}]}',
      '{"blocks":[{"name":"a","table":"coils","address":0,"source":"storage","count":0}]}',
      '{"blocks":[{"name":"a","table":"input-registers","address":0,"source":"test","points":[{"point":"nope"}]}]}',
    ]) {
      try {
        compileRegisterMap(parseRegisterMapJson(text), sources);
        messages.push("accepted");
      } catch (error) {
        messages.push(error instanceof Error ? error.message.replace(/not valid JSON: .*/, "not valid JSON") : "?");
      }
    }
    const ok =
      messages[0] === "register map is not valid JSON" &&
      messages[1] === 'register map: blocks[0] ("a").table: "holding" is not one of coils, discrete-inputs, input-registers, holding-registers' &&
      messages[2] === 'register map: blocks[0] ("a").count: 0 is not a cell count (1-65536)' &&
      messages[3] === 'register map: blocks[0] ("a").points[0].point: source "test" has no value "nope" (it has: temperature, pressure, uptime, invalid)';
    return checked(messages, ok);
  },

  "damaged and random frames get no reply (deterministic fuzz, 5000 frames)": () => {
    const s = server();
    const tx = new Uint8Array(256);
    let x = 0x1234567;
    const next = () => {
      x ^= x << 13;
      x ^= x >>> 17;
      x ^= x << 5;
      return x >>> 0;
    };
    let replies = 0;
    let badCrcReplies = 0;
    const frame = new Uint8Array(256);
    for (let i = 0; i < 5000; i++) {
      const length = next() % 40;
      for (let j = 0; j < length; j++) frame[j] = next() & 0xff;
      if (i % 2 === 0 && length > 0) frame[0] = 1;
      const n = s.handleFrame(frame, length, FRAME_OK, tx);
      if (n > 0) replies++;
      if (n > 0 && (length < 4 || crc16(frame, 0, length) !== 0)) badCrcReplies++;
    }
    uptime++;
    return checked({ replies, badCrcReplies }, badCrcReplies === 0);
  },
};
