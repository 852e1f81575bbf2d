/**
 * RTU framing on the simulated wire (serial line spec v1.02 §2.5.1.1): gaps
 * inside a frame over t1.5 break it, t3.5 of silence ends it, the reply waits
 * t3.5, and the RS-485 driver is enabled exactly while the reply is on the line.
 * Character times: 9600 8E1 = 1145.83 µs (t1.5 1718.75 µs, t3.5 4010.42 µs);
 * 115200 8E1 = 95.49 µs, with t1.5 and t3.5 fixed at 750 and 1750 µs.
 */
import { describe, expect, it } from "vitest";
import { frameTiming } from "../../firmware/modbus/timing";
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

for (const baud of [9600, 115200]) {
  const timing = frameTiming({ baud, parity: "even", stopBits: 1 });
  describe(`at ${baud} baud 8E1`, () => {
    it(`the line's t1.5 is ${timing.t15Us.toFixed(2)} µs and t3.5 ${timing.t35Us.toFixed(2)} µs`, () => {
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

    it("a gap of exactly t1.5 inside the frame is allowed", () => {
      const rig = new Rig({ settings: { baud } });
      expect(replyHex(rig, READ, gapBefore(4, timing.t15Us))).toBe(REPLY);
      expect(rig.counters().timingErrors).toBe(0);
    });

    it("a gap 1 µs over t1.5 makes the frame incomplete: dropped and counted", () => {
      const rig = new Rig({ settings: { baud } });
      expect(replyHex(rig, READ, gapBefore(4, timing.t15Us + 1))).toBeUndefined();
      expect(rig.counters()).toMatchObject({ timingErrors: 1, serverMessages: 0 });
    });

    it("a gap just under t3.5 still breaks the frame rather than splitting it", () => {
      const rig = new Rig({ settings: { baud } });
      expect(replyHex(rig, READ, gapBefore(4, timing.t35Us - 1))).toBeUndefined();
      expect(rig.counters()).toMatchObject({ busMessages: 1, timingErrors: 1 });
    });

    it("a gap of t3.5 splits it into two frames, both with bad CRCs", () => {
      const rig = new Rig({ settings: { baud } });
      expect(replyHex(rig, READ, gapBefore(4, timing.t35Us))).toBeUndefined();
      expect(rig.counters()).toMatchObject({ busMessages: 2, busCommErrors: 2, timingErrors: 0 });
    });

    it("the next frame after an incomplete one is answered", () => {
      const rig = new Rig({ settings: { baud } });
      replyHex(rig, READ, gapBefore(2, timing.t15Us * 1.2));
      expect(replyHex(rig, READ)).toBe(REPLY);
    });

    it("the reply starts no earlier than t3.5 after the request ended", () => {
      const rig = new Rig({ settings: { baud } });
      const [last] = rig.master.send(READ).slice(-1);
      rig.settle();
      const reply = rig.master.frames[0]!;
      const turnaroundUs = (reply.start - last!.end) * 1000;
      expect(turnaroundUs).toBeGreaterThanOrEqual(timing.t35Us);
      // Timers run in whole milliseconds: it is not much later either.
      expect(turnaroundUs).toBeLessThan(timing.t35Us + 2000);
    });

    it("characters of the reply follow each other without gaps", () => {
      const rig = new Rig({ settings: { baud } });
      const characters: Array<{ start: number; end: number }> = [];
      rig.line.observe((c) => {
        if (c.from !== "master") characters.push(c);
      });
      rig.transact("01 03 00 64 00 40");
      expect(characters).toHaveLength(5 + 128);
      for (let i = 1; i < characters.length; i++) expect(characters[i]!.start).toBeCloseTo(characters[i - 1]!.end, 9);
    });

    it("drives DE high for the reply and releases it at the end of the last stop bit", () => {
      const rig = new Rig({ settings: { baud } });
      const edges: Array<{ level: number; at: number }> = [];
      rig.gpio.onDrive((pin, level) => {
        if (pin === DE_PIN) edges.push({ level, at: rig.clock.now() });
      });
      const reply = rig.transactFrame(READ)!;
      expect(edges.map((e) => e.level)).toEqual([1, 0]);
      expect(edges[0]!.at).toBeCloseTo(reply.start, 9);
      expect(edges[1]!.at).toBeCloseTo(reply.end, 9);
    });

    it("a reply longer than the 128-byte transmit FIFO goes out whole (onWritable refills)", () => {
      const rig = new Rig({ settings: { baud } });
      const reply = rig.transact("01 03 00 64 00 64")!;
      expect(reply.split(" ")).toHaveLength(3 + 200);
    });
  });
}

describe("split and merged frames", () => {
  it("a request that arrives in pieces, each gap within t1.5, is one frame", () => {
    const rig = new Rig();
    const t = frameTiming(rig.lineFormat);
    expect(replyHex(rig, READ, [0, t.t15Us / 2, t.t15Us / 3, 0, t.t15Us, 0, 10, t.t15Us * 0.9])).toBe(REPLY);
  });

  it("two requests with less than t3.5 between them are one bad frame: neither is answered", () => {
    const rig = new Rig();
    const t = frameTiming(rig.lineFormat);
    const both = new Uint8Array([...READ, ...READ]);
    expect(replyHex(rig, both, gapBefore(8, t.t35Us * 0.5))).toBeUndefined();
    expect(rig.counters()).toMatchObject({ busMessages: 1, timingErrors: 1 });
  });

  it("two requests back to back (no gap) are one frame with a bad CRC", () => {
    const rig = new Rig();
    expect(replyHex(rig, new Uint8Array([...READ, ...READ]))).toBeUndefined();
    expect(rig.counters()).toMatchObject({ busMessages: 1, busCommErrors: 1 });
  });
});

describe("noise and damage", () => {
  it("a noise burst on a quiet line is dropped; the request after it is answered", () => {
    const rig = new Rig();
    const t = frameTiming(rig.lineFormat);
    rig.line.noise(rig.clock.now(), 3 * t.characterUs, rig.lineFormat, 7);
    rig.clock.advance(10);
    expect(rig.transact("01 03 00 00 00 01")).toBe(REPLY);
    expect(rig.counters()).toMatchObject({ busMessages: 2, characterErrors: 1 });
  });

  it("noise over the middle of a request garbles it: no reply", () => {
    const rig = new Rig();
    const t = frameTiming(rig.lineFormat);
    const characters = rig.master.send(READ);
    rig.line.noise(characters[3]!.start + 0.01, t.characterUs, rig.lineFormat);
    rig.settle();
    // The master hears the noise itself, and nothing from the slave.
    expect(rig.master.frames.every((f) => f.errors)).toBe(true);
    expect(rig.counters()).toMatchObject({ busMessages: 1, busCommErrors: 1, serverMessages: 0 });
  });

  it("one flipped bit fails the CRC: dropped and counted", () => {
    const rig = new Rig();
    rig.line.tamper((c, index) => (index === 3 ? c.byte ^ 0x10 : undefined));
    expect(replyHex(rig, READ)).toBeUndefined();
    expect(rig.counters()).toMatchObject({ busCommErrors: 1, characterErrors: 0 });
  });

  it("a master at the wrong parity (8N1 to an 8E1 slave) gets no reply: framing errors", () => {
    const rig = new Rig();
    rig.master.format = { baud: 19200, parity: "none", stopBits: 1 };
    expect(replyHex(rig, READ)).toBeUndefined();
    expect(rig.counters().characterErrors).toBe(1);
  });

  it("a master at odd parity gets no reply: parity errors", () => {
    const rig = new Rig();
    rig.master.format = { baud: 19200, parity: "odd", stopBits: 1 };
    expect(replyHex(rig, READ)).toBeUndefined();
    expect(rig.counters().characterErrors).toBe(1);
  });

  it("a master at the wrong baud rate gets no reply", () => {
    const rig = new Rig();
    rig.master.format = { baud: 9600, parity: "even", stopBits: 1 };
    expect(replyHex(rig, READ)).toBeUndefined();
    expect(rig.server.counters[0]).toBeGreaterThan(0);
  });

  it("without parity the slave uses two stop bits, and an 8N2 master is answered", () => {
    const rig = new Rig({ settings: { parity: "none" } });
    expect(rig.modbus.settings.stopBits).toBe(2);
    rig.master.format = { baud: 19200, parity: "none", stopBits: 2 };
    expect(replyHex(rig, READ)).toBe(REPLY);
  });
});

describe("a UART that hands over bytes in bursts (the ESP32's FIFO and RX timeout)", () => {
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

  it("cannot see a t1.5 violation shorter than the RX timeout (what the device cannot observe)", () => {
    const rig = new Rig({ receiveTiming: "burst" });
    const t = frameTiming(rig.lineFormat);
    expect(replyHex(rig, READ, gapBefore(4, 2 * t.characterUs))).toBe(REPLY);
  });
});
