/**
 * RTU framing on the simulated wire (serial line spec v1.02 §2.5.1.1): gaps
 * inside a frame over t1.5 break it, t3.5 of silence ends it, the reply waits
 * t3.5, and the RS-485 driver is enabled exactly while the reply is on the line.
 * Character times: 9600 8E1 = 1145.83 µs (t1.5 1718.75 µs, t3.5 4010.42 µs);
 * 115200 8E1 = 95.49 µs, with t1.5 and t3.5 fixed at 750 and 1750 µs.
 *
 * Both ways a UART can hand characters over: one at a time at its stop bit
 * (the simulator's wire), and in bursts at the FIFO threshold or after the
 * receive timeout (the ESP32), where the timeout, in whole characters, is the
 * finest gap the firmware can see. The chip counts it in units of 8 bit
 * times: 2 characters (22 bits, counted as 24: 2500 µs) at 9600, 8 (88 bits:
 * 763.89 µs) at 115200.
 */
import { describe, expect, it } from "vitest";
import { receiveTimeoutCharacters } from "../../firmware/modbus/rtu-slave";
import { characterBits, frameTiming } from "../../firmware/modbus/timing";
import { DE_PIN, Rig, toHex, withCrc } from "./rig";

const READ = withCrc("01 03 00 00 00 01"); // 8 bytes
const REPLY = "01 03 02 00 01";

/** Gaps array putting `gapUs` before character `index`. */
function gapBefore(index: number, gapUs: number): number[] {
  const gaps: number[] = [];
  gaps[index] = gapUs;
  return gaps.map((g) => g ?? 0);
}

function replyHex(rig: Rig, frame: Uint8Array, gapsUs?: number[]): string | undefined {
  const reply = rig.transactFrame(frame, gapsUs === undefined ? undefined : { gapsUs });
  return reply === undefined ? undefined : toHex(reply.bytes.subarray(0, reply.bytes.length - 2));
}

describe("the receive timeout a bursting UART gets: the whole characters just over t1.5", () => {
  it("is 2 characters at 9600 8E1 (t1.5 is 1.5)", () => expect(receiveTimeoutCharacters(frameTiming({ baud: 9600, parity: "even", stopBits: 1 }))).toBe(2));
  it("is 2 characters at 19200 8N1 (t1.5 is 1.5 of its 10-bit characters)", () => expect(receiveTimeoutCharacters(frameTiming({ baud: 19200, parity: "none", stopBits: 1 }))).toBe(2));
  it("is 3 characters at 38400 8E1 (750 µs is 2.62 characters)", () => expect(receiveTimeoutCharacters(frameTiming({ baud: 38400, parity: "even", stopBits: 1 }))).toBe(3));
  it("is 8 characters at 115200 8E1 (750 µs is 7.85 characters)", () => expect(receiveTimeoutCharacters(frameTiming({ baud: 115200, parity: "even", stopBits: 1 }))).toBe(8));
});

for (const baud of [9600, 115200]) {
  const timing = frameTiming({ baud, parity: "even", stopBits: 1 });
  it(`at ${baud} baud 8E1 the line's t1.5 is ${timing.t15Us.toFixed(2)} µs and t3.5 ${timing.t35Us.toFixed(2)} µs`, () => {
    if (baud === 9600) {
      expect(timing.characterUs).toBeCloseTo(1145.833, 3);
      expect(timing.t15Us).toBeCloseTo(1718.75, 3);
      expect(timing.t35Us).toBeCloseTo(4010.417, 3);
    } else {
      expect(timing.characterUs).toBeCloseTo(95.486, 3);
      expect(timing.t15Us).toBe(750);
      expect(timing.t35Us).toBe(1750);
    }
  });
}

for (const receiveTiming of ["character", "burst"] as const) {
  for (const baud of [9600, 115200]) {
    const timing = frameTiming({ baud, parity: "even", stopBits: 1 });
    const format = { baud, parity: "even", stopBits: 1 } as const;
    // The chip's RX timeout counts whole units of 8 bit times.
    const receiveTimeoutUs = (Math.ceil((receiveTimeoutCharacters(timing) * characterBits(format)) / 8) * 8 * 1e6) / baud;
    /** The shortest gap this UART lets the firmware see as over t1.5. */
    const seenOverUs = receiveTiming === "character" ? timing.t15Us : receiveTimeoutUs;
    const rig = () => new Rig({ settings: { baud }, receiveTiming });

    describe(`${receiveTiming} reception at ${baud} baud 8E1`, () => {
      it("a gap of exactly t1.5 inside the frame is allowed", () => {
        const r = rig();
        expect(replyHex(r, READ, gapBefore(4, timing.t15Us))).toBe(REPLY);
        expect(r.counters().timingErrors).toBe(0);
      });

      if (receiveTiming === "character") {
        it("a gap 1 µs over t1.5 makes the frame incomplete: dropped and counted", () => {
          const r = rig();
          expect(replyHex(r, READ, gapBefore(4, timing.t15Us + 1))).toBeUndefined();
          expect(r.counters()).toMatchObject({ timingErrors: 1, busCommErrors: 1, busMessages: 0, serverMessages: 0 });
        });
      } else {
        it(`a gap 1 µs over the receive timeout (${receiveTimeoutUs.toFixed(2)} µs) makes the frame incomplete: dropped and counted`, () => {
          const r = rig();
          expect(replyHex(r, READ, gapBefore(4, receiveTimeoutUs + 1))).toBeUndefined();
          expect(r.counters()).toMatchObject({ timingErrors: 1, busCommErrors: 1, busMessages: 0, serverMessages: 0 });
        });

        it("a gap halfway between the receive timeout and t3.5 makes the frame incomplete: dropped and counted", () => {
          const r = rig();
          expect(replyHex(r, READ, gapBefore(4, (receiveTimeoutUs + timing.t35Us) / 2))).toBeUndefined();
          expect(r.counters()).toMatchObject({ timingErrors: 1, busCommErrors: 1, busMessages: 0, serverMessages: 0 });
        });

        it("a gap over t1.5 but within the receive timeout is not seen: the frame is answered (the UART reports no finer)", () => {
          const r = rig();
          expect(replyHex(r, READ, gapBefore(4, (timing.t15Us + receiveTimeoutUs) / 2))).toBe(REPLY);
          expect(r.counters().timingErrors).toBe(0);
        });
      }

      it("a gap just under t3.5 still breaks the frame rather than splitting it", () => {
        const r = rig();
        expect(replyHex(r, READ, gapBefore(4, timing.t35Us - 1))).toBeUndefined();
        expect(r.counters()).toMatchObject({ busMessages: 0, busCommErrors: 1, timingErrors: 1 });
      });

      it("a gap of t3.5 splits it into two frames, both with bad CRCs", () => {
        const r = rig();
        expect(replyHex(r, READ, gapBefore(4, timing.t35Us))).toBeUndefined();
        expect(r.counters()).toMatchObject({ busMessages: 0, busCommErrors: 2, timingErrors: 0 });
      });

      it("the next frame after an incomplete one is answered", () => {
        const r = rig();
        expect(replyHex(r, READ, gapBefore(2, (seenOverUs + timing.t35Us) / 2))).toBeUndefined();
        expect(replyHex(r, READ)).toBe(REPLY);
        expect(r.counters()).toMatchObject({ busMessages: 1, timingErrors: 1 });
      });

      it("two requests with less than t3.5 between them are one bad frame: neither is answered", () => {
        const r = rig();
        const both = new Uint8Array([...READ, ...READ]);
        expect(replyHex(r, both, gapBefore(8, (seenOverUs + timing.t35Us) / 2))).toBeUndefined();
        expect(r.counters()).toMatchObject({ busMessages: 0, busCommErrors: 1, timingErrors: 1 });
      });

      it("the reply starts no earlier than t3.5 after the request ended", () => {
        const r = rig();
        const [last] = r.master.send(READ).slice(-1);
        r.settle();
        const reply = r.master.frames[0]!;
        const turnaroundUs = (reply.start - last!.end) * 1000;
        expect(turnaroundUs).toBeGreaterThanOrEqual(timing.t35Us);
        // t3.5 and one character (to know none began within it), then whole-millisecond timers.
        expect(turnaroundUs).toBeLessThan(timing.t35Us + timing.characterUs + 2000);
      });

      it("characters of the reply follow each other without gaps", () => {
        const r = rig();
        const characters: Array<{ start: number; end: number }> = [];
        r.line.observe((c) => {
          if (c.from !== "master") characters.push(c);
        });
        r.transact("01 03 00 64 00 40");
        expect(characters).toHaveLength(5 + 128);
        for (let i = 1; i < characters.length; i++) expect(characters[i]!.start).toBeCloseTo(characters[i - 1]!.end, 9);
      });

      it("drives DE high for the reply and releases it at the end of the last stop bit", () => {
        const r = rig();
        const edges: Array<{ level: number; at: number }> = [];
        r.gpio.onDrive((pin, level) => {
          if (pin === DE_PIN) edges.push({ level, at: r.clock.now() });
        });
        const reply = r.transactFrame(READ)!;
        expect(edges.map((e) => e.level)).toEqual([1, 0]);
        expect(edges[0]!.at).toBeCloseTo(reply.start, 9);
        expect(edges[1]!.at).toBeCloseTo(reply.end, 9);
      });

      it("a reply longer than the 128-byte transmit FIFO goes out whole (onWritable refills)", () => {
        const r = rig();
        const reply = r.transact("01 03 00 64 00 64")!;
        expect(reply.split(" ")).toHaveLength(3 + 200);
      });
    });
  }
}

describe("split and merged frames", () => {
  it("a request that arrives in pieces, each gap within t1.5, is one frame", () => {
    const rig = new Rig();
    const t = frameTiming(rig.lineFormat);
    expect(replyHex(rig, READ, [0, t.t15Us / 2, t.t15Us / 3, 0, t.t15Us, 0, 10, t.t15Us * 0.9])).toBe(REPLY);
  });

  it("two requests back to back (no gap) are one frame with a bad CRC", () => {
    const rig = new Rig();
    expect(replyHex(rig, new Uint8Array([...READ, ...READ]))).toBeUndefined();
    expect(rig.counters()).toMatchObject({ busMessages: 0, busCommErrors: 1 });
  });
});

describe("noise and damage", () => {
  it("a noise burst on a quiet line is dropped; the request after it is answered", () => {
    const rig = new Rig();
    const t = frameTiming(rig.lineFormat);
    rig.line.noise(rig.clock.now(), 3 * t.characterUs, rig.lineFormat, 7);
    rig.clock.advance(10);
    expect(rig.transact("01 03 00 00 00 01")).toBe(REPLY);
    expect(rig.counters()).toMatchObject({ busMessages: 1, busCommErrors: 1, characterErrors: 1 });
  });

  it("noise over the middle of a request garbles it: no reply", () => {
    const rig = new Rig();
    const t = frameTiming(rig.lineFormat);
    const characters = rig.master.send(READ);
    rig.line.noise(characters[3]!.start + 0.01, t.characterUs, rig.lineFormat);
    rig.settle();
    // The master hears the noise itself, and nothing from the slave.
    expect(rig.master.frames.every((f) => f.errors)).toBe(true);
    expect(rig.counters()).toMatchObject({ busMessages: 0, busCommErrors: 1, serverMessages: 0 });
  });

  it("one flipped bit fails the CRC: dropped and counted", () => {
    const rig = new Rig();
    rig.line.tamper((c, index) => (index === 3 ? c.byte ^ 0x10 : undefined));
    expect(replyHex(rig, READ)).toBeUndefined();
    expect(rig.counters()).toMatchObject({ busMessages: 0, busCommErrors: 1, characterErrors: 0 });
  });

  it("a master at the wrong parity (8N1 to an 8E1 slave) gets no reply: framing errors", () => {
    const rig = new Rig();
    rig.master.format = { baud: 19200, parity: "none", stopBits: 1 };
    expect(replyHex(rig, READ)).toBeUndefined();
    expect(rig.counters()).toMatchObject({ busMessages: 0, busCommErrors: 1, characterErrors: 1 });
  });

  it("a master at odd parity gets no reply: parity errors", () => {
    const rig = new Rig();
    rig.master.format = { baud: 19200, parity: "odd", stopBits: 1 };
    expect(replyHex(rig, READ)).toBeUndefined();
    expect(rig.counters()).toMatchObject({ busMessages: 0, busCommErrors: 1, characterErrors: 1 });
  });

  it("a master at the wrong baud rate gets no reply, and only communication errors are counted", () => {
    const rig = new Rig();
    rig.master.format = { baud: 9600, parity: "even", stopBits: 1 };
    expect(replyHex(rig, READ)).toBeUndefined();
    expect(rig.counters().busMessages).toBe(0);
    expect(rig.counters().busCommErrors).toBeGreaterThan(0);
  });

  it("without parity the slave uses two stop bits, and an 8N2 master is answered", () => {
    const rig = new Rig({ settings: { parity: "none" } });
    expect(rig.modbus.settings.stopBits).toBe(2);
    rig.master.format = { baud: 19200, parity: "none", stopBits: 2 };
    expect(replyHex(rig, READ)).toBe(REPLY);
  });
});

describe("a UART that hands over bytes in bursts (the ESP32's FIFO and RX timeout)", () => {
  /** FC 10 writing `count` registers 0, 1, 2, ... from 100: 9 + 2 × count bytes. */
  const writeRequest = (count: number) => {
    const data = Array.from({ length: count }, (_, i) => `00 ${(i & 0xff).toString(16).padStart(2, "0")}`).join(" ");
    return withCrc(`01 10 00 64 00 ${count.toString(16).padStart(2, "0")} ${(2 * count).toString(16).padStart(2, "0")} ${data}`);
  };

  it("answers requests", () => {
    const rig = new Rig({ receiveTiming: "burst" });
    expect(rig.transact("01 03 00 00 00 01")).toBe(REPLY);
    expect(rig.transact("01 06 00 64 00 07")).toBe("01 06 00 64 00 07");
  });

  it("assembles a 255-byte request across FIFO-threshold bursts", () => {
    const rig = new Rig({ receiveTiming: "burst" });
    expect(rig.transact(`01 10 00 64 00 64 c8 ${"00 2a ".repeat(100).trim()}`)).toBe("01 10 00 64 00 64");
  });

  it("completes a frame that ends exactly at the FIFO threshold, where no RX timeout follows", () => {
    const rig = new Rig({ receiveTiming: "burst" });
    // 6 + 114 = 120 bytes: the FIFO-full interrupt takes them all and the FIFO stays empty.
    const data = Array.from({ length: 114 }, (_, i) => (i & 0xff).toString(16).padStart(2, "0")).join(" ");
    expect(rig.transact(`01 08 00 00 ${data}`)).toBe(`01 08 00 00 ${data}`);
  });

  it("sees a gap over the receive timeout in a long frame while the FIFO holds part of it", () => {
    const rig = new Rig({ receiveTiming: "burst" });
    const t = frameTiming(rig.lineFormat);
    // Bytes 121-149 are in the FIFO when the line goes quiet for 2.5 characters.
    expect(replyHex(rig, writeRequest(100), gapBefore(150, 2.5 * t.characterUs))).toBeUndefined();
    expect(rig.counters()).toMatchObject({ timingErrors: 1, busCommErrors: 1, busMessages: 0 });
  });

  it("cannot see a gap that begins just after the FIFO was emptied at its threshold: nothing is left in it to time out", () => {
    const rig = new Rig({ receiveTiming: "burst" });
    const t = frameTiming(rig.lineFormat);
    expect(replyHex(rig, writeRequest(100), gapBefore(120, 2.5 * t.characterUs))).toBe("01 10 00 64 00 64");
    expect(rig.counters().timingErrors).toBe(0);
  });

  it("a receive FIFO that overflowed while the event loop was busy: dropped, counted as a communication error and an overrun", () => {
    const rig = new Rig({ receiveTiming: "burst" });
    rig.holdReceive(rig.clock.now() + 300);
    // 255 bytes at 19200 take 146 ms; the 128-byte FIFO keeps the first 128.
    expect(rig.transactFrame(writeRequest(123))).toBeUndefined();
    expect(rig.counters()).toMatchObject({ busMessages: 0, busCommErrors: 1, overruns: 1, serverMessages: 0 });
    expect(rig.transact("01 08 00 0c 00 00")).toBe("01 08 00 0c 00 01");
    expect(rig.transact("01 08 00 12 00 00")).toBe("01 08 00 12 00 01");
  });

  it("a request after a short wait of the event loop is still answered", () => {
    const rig = new Rig({ receiveTiming: "burst" });
    rig.holdReceive(rig.clock.now() + 20);
    expect(rig.transact("01 03 00 00 00 01")).toBe(REPLY);
  });
});
