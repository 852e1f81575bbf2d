/**
 * Modbus application protocol v1.1b3 conformance of the slave, function code
 * by function code, with exact request and reply bytes (hex, CRC omitted: the
 * rig appends it to requests and checks it on replies). The slave runs as the
 * firmware runs it, on the simulated UART and bus, with the default map:
 *
 *   holding 0-3   config: address 1, baud/100 = 192, parity 2 (even), stop bits 1
 *   holding 100-199 storage          coils 0-15 storage
 *   input 0-9     device status      discrete 0-1 boot status, 2 OTA in progress
 *   input 20-46   comm counters      input 50-59 OTA status
 */
import { describe, expect, it } from "vitest";
import { OTA_IDLE } from "../../firmware/modbus/ota-status";
import { ModbusServer } from "../../firmware/modbus/server";
import { compileRegisterMap } from "../../firmware/modbus/register-map";
import { frameTiming } from "../../firmware/modbus/timing";
import { withCrc, Rig, toHex } from "./rig";
import { conformance } from "./conformance-table";

const ascii = (text: string): string => toHex(new TextEncoder().encode(text));
const obj = (id: number, text: string): string => `${id.toString(16).padStart(2, "0")} ${(text.length).toString(16).padStart(2, "0")} ${ascii(text)}`;

/** A map at the protocol's limits, and points that misbehave on purpose. */
const LIMITS_MAP = JSON.stringify({
  blocks: [
    { name: "coils", table: "coils", address: 0, source: "storage", count: 2000 },
    { name: "inputs", table: "discrete-inputs", address: 0, source: "storage", count: 2000 },
    { name: "holding", table: "holding-registers", address: 0, source: "storage", count: 125 },
    { name: "input", table: "input-registers", address: 0, source: "storage", count: 125 },
    {
      name: "test",
      table: "holding-registers",
      address: 1000,
      source: "test",
      points: [
        { point: "invalid" },
        { point: "readOnly" },
        { point: "u32", type: "uint32" },
        { point: "small" },
        { point: "failing" },
      ],
    },
    { name: "test-coil", table: "coils", address: 3000, source: "test", points: [{ point: "readOnly" }, { point: "invalid" }, { point: "failing" }] },
    { name: "test-discrete", table: "discrete-inputs", address: 3000, source: "test", points: [{ point: "invalid" }] },
    { name: "test-input", table: "input-registers", address: 1000, source: "test", points: [{ point: "invalid" }] },
  ],
});

function limitsRig(): Rig {
  let u32 = 0;
  let small = 5;
  return new Rig({
    mapText: LIMITS_MAP,
    sources: {
      test: {
        description: "test points",
        points: {
          invalid: { read: () => undefined, write: () => 0 },
          readOnly: { read: () => 7 },
          u32: { read: () => u32, write: (v) => ((u32 = v), 0) },
          // Accepts 0-10 only.
          small: { read: () => small, check: (v) => (v <= 10 ? 0 : 3), write: (v) => ((small = v), 0) },
          // Accepts any value, then fails to store it (a storage fault): 04.
          failing: { read: () => 0, write: () => 4 },
        },
      },
    },
  });
}

describe("FC 01 read coils", () => {
  conformance("01", "reads coils packed LSB first (spec example pattern)", "normal", () => {
    const rig = new Rig();
    expect(rig.transact("01 0f 00 00 00 0a 02 cd 01")).toBe("01 0f 00 00 00 0a");
    expect(rig.transact("01 01 00 00 00 0a")).toBe("01 01 02 cd 01");
  });
  conformance("01", "pads the last byte with zeros", "normal", () => {
    const rig = new Rig();
    rig.transact("01 0f 00 00 00 10 02 ff ff");
    expect(rig.transact("01 01 00 02 00 03")).toBe("01 01 01 07");
  });
  conformance("01", "2000 coils, the most one request may read", "normal", () => {
    const rig = limitsRig();
    const reply = rig.transact("01 01 00 00 07 d0")!;
    expect(reply.slice(0, 8)).toBe("01 01 fa");
    expect(reply.split(" ")).toHaveLength(3 + 250);
  });
  conformance("01", "quantity 0", "exception 03", () => expect(new Rig().transact("01 01 00 00 00 00")).toBe("01 81 03"));
  conformance("01", "quantity 2001", "exception 03", () => expect(limitsRig().transact("01 01 00 00 07 d1")).toBe("01 81 03"));
  conformance("01", "unmapped start address", "exception 02", () => expect(new Rig().transact("01 01 00 10 00 01")).toBe("01 81 02"));
  conformance("01", "range running past the mapped coils", "exception 02", () => expect(new Rig().transact("01 01 00 0a 00 0a")).toBe("01 81 02"));
  conformance("01", "range past address 65535", "exception 02", () => expect(limitsRig().transact("01 01 ff ff 00 02")).toBe("01 81 02"));
  conformance("01", "bad quantity is reported before a bad address", "exception 03", () => expect(new Rig().transact("01 01 ff 00 00 00")).toBe("01 81 03"));
  conformance("01", "a coil whose value is invalid", "exception 04", () => expect(limitsRig().transact("01 01 0b b8 00 02")).toBe("01 81 04"));
});

describe("FC 02 read discrete inputs", () => {
  conformance("02", "reads boot status (valid image, not on trial, no OTA)", "normal", () => {
    expect(new Rig().transact("01 02 00 00 00 03")).toBe("01 02 01 01");
  });
  conformance("02", "a trial image reads as pending verify", "normal", () => {
    expect(new Rig({ boot: { imageState: () => "pending-verify" } }).transact("01 02 00 00 00 03")).toBe("01 02 01 02");
  });
  conformance("02", "2000 inputs", "normal", () => expect(limitsRig().transact("01 02 00 00 07 d0")!.slice(0, 8)).toBe("01 02 fa"));
  conformance("02", "quantity 2001", "exception 03", () => expect(limitsRig().transact("01 02 00 00 07 d1")).toBe("01 82 03"));
  conformance("02", "quantity 0", "exception 03", () => expect(new Rig().transact("01 02 00 00 00 00")).toBe("01 82 03"));
  conformance("02", "unmapped input", "exception 02", () => expect(new Rig().transact("01 02 00 02 00 02")).toBe("01 82 02"));
  conformance("02", "an input whose value is invalid", "exception 04", () => expect(limitsRig().transact("01 02 0b b8 00 01")).toBe("01 82 04"));
});

describe("FC 03 read holding registers", () => {
  conformance("03", "reads the configuration block", "normal", () => {
    expect(new Rig().transact("01 03 00 00 00 04")).toBe("01 03 08 00 01 00 c0 00 02 00 01");
  });
  conformance("03", "full frame bytes, CRC low byte first", "normal", () => {
    const rig = new Rig();
    expect(toHex(withCrc("01 03 00 00 00 01"))).toBe("01 03 00 00 00 01 84 0a");
    expect(toHex(rig.transactFrame(withCrc("01 03 00 00 00 01"))!.bytes)).toBe("01 03 02 00 01 79 84");
  });
  conformance("03", "125 registers, the most one request may read", "normal", () => {
    const reply = limitsRig().transact("01 03 00 00 00 7d")!;
    expect(reply.split(" ")).toHaveLength(3 + 250);
    expect(reply.slice(0, 8)).toBe("01 03 fa");
  });
  conformance("03", "quantity 126", "exception 03", () => expect(limitsRig().transact("01 03 00 00 00 7e")).toBe("01 83 03"));
  conformance("03", "quantity 0", "exception 03", () => expect(new Rig().transact("01 03 00 00 00 00")).toBe("01 83 03"));
  conformance("03", "range with an unmapped gap (3-4)", "exception 02", () => expect(new Rig().transact("01 03 00 03 00 02")).toBe("01 83 02"));
  conformance("03", "range past the storage block", "exception 02", () => expect(new Rig().transact("01 03 00 c7 00 02")).toBe("01 83 02"));
  conformance("03", "a register whose value is invalid", "exception 04", () => expect(limitsRig().transact("01 03 03 e8 00 01")).toBe("01 83 04"));
  conformance("03", "reads one half of a 32-bit value", "normal", () => {
    const rig = limitsRig();
    expect(rig.transact("01 10 03 ea 00 02 04 12 34 56 78")).toBe("01 10 03 ea 00 02");
    expect(rig.transact("01 03 03 eb 00 01")).toBe("01 03 02 56 78");
  });
});

describe("FC 04 read input registers", () => {
  conformance("04", "device status: uptime, version 1.2.3, boot 1 from ota_1, valid, power-on", "normal", () => {
    const rig = new Rig();
    rig.clock.advance(70_000);
    expect(rig.transact("01 04 00 00 00 0a")).toBe("01 04 14 00 00 00 46 00 01 00 02 00 03 00 00 00 01 00 01 00 02 00 01");
  });
  conformance("04", "OTA status block reads idle", "normal", () => {
    expect(new Rig().transact("01 04 00 32 00 0a")).toBe(`01 04 14 ${"00 ".repeat(20).trim()}`);
  });
  conformance("04", "OTA status block follows the OTA client", "normal", () => {
    const rig = new Rig({ ota: () => ({ ...OTA_IDLE, state: 1, progress: 42, bytesWritten: 0x12345, imageSize: 0x20000, targetVersion: "2.0.1", inProgress: true }) });
    expect(rig.transact("01 04 00 32 00 0a")).toBe("01 04 14 00 01 00 2a 00 01 23 45 00 02 00 00 00 00 00 02 00 00 00 01");
  });
  conformance("04", "quantity 126", "exception 03", () => expect(new Rig().transact("01 04 00 00 00 7e")).toBe("01 84 03"));
  conformance("04", "quantity 0", "exception 03", () => expect(new Rig().transact("01 04 00 00 00 00")).toBe("01 84 03"));
  conformance("04", "unmapped input register", "exception 02", () => expect(new Rig().transact("01 04 00 0a 00 01")).toBe("01 84 02"));
  conformance("04", "an invalid live value", "exception 04", () => expect(limitsRig().transact("01 04 03 e8 00 01")).toBe("01 84 04"));
});

describe("FC 05 write single coil", () => {
  conformance("05", "FF00 sets, 0000 clears; the reply echoes", "normal", () => {
    const rig = new Rig();
    expect(rig.transact("01 05 00 03 ff 00")).toBe("01 05 00 03 ff 00");
    expect(rig.transact("01 01 00 00 00 08")).toBe("01 01 01 08");
    expect(rig.transact("01 05 00 03 00 00")).toBe("01 05 00 03 00 00");
    expect(rig.transact("01 01 00 00 00 08")).toBe("01 01 01 00");
  });
  conformance("05", "any other value", "exception 03", () => expect(new Rig().transact("01 05 00 03 00 01")).toBe("01 85 03"));
  conformance("05", "a bad value is reported before a bad address", "exception 03", () => expect(new Rig().transact("01 05 00 10 12 34")).toBe("01 85 03"));
  conformance("05", "unmapped coil", "exception 02", () => expect(new Rig().transact("01 05 00 10 ff 00")).toBe("01 85 02"));
  conformance("05", "a read-only coil", "exception 02", () => expect(limitsRig().transact("01 05 0b b8 ff 00")).toBe("01 85 02"));
  conformance("05", "a coil whose source fails to store it", "exception 04", () => expect(limitsRig().transact("01 05 0b ba ff 00")).toBe("01 85 04"));
});

describe("FC 06 write single register", () => {
  conformance("06", "writes storage; the reply echoes", "normal", () => {
    const rig = new Rig();
    expect(rig.transact("01 06 00 64 12 34")).toBe("01 06 00 64 12 34");
    expect(rig.transact("01 03 00 64 00 01")).toBe("01 03 02 12 34");
  });
  conformance("06", "a value the register refuses (address 0)", "exception 03", () => expect(new Rig().transact("01 06 00 00 00 00")).toBe("01 86 03"));
  conformance("06", "a value the register refuses (address 248)", "exception 03", () => expect(new Rig().transact("01 06 00 00 00 f8")).toBe("01 86 03"));
  conformance("06", "a baud rate the slave does not support", "exception 03", () => expect(new Rig().transact("01 06 00 01 00 61")).toBe("01 86 03"));
  conformance("06", "unmapped register", "exception 02", () => expect(new Rig().transact("01 06 00 04 00 00")).toBe("01 86 02"));
  conformance("06", "a read-only register", "exception 02", () => expect(limitsRig().transact("01 06 03 e9 00 01")).toBe("01 86 02"));
  conformance("06", "half of a 32-bit value", "exception 02", () => expect(limitsRig().transact("01 06 03 ea 00 01")).toBe("01 86 02"));
  conformance("06", "a register whose source fails to store it", "exception 04", () => expect(limitsRig().transact("01 06 03 ed 00 01")).toBe("01 86 04"));
  conformance("06", "configuration while an update writes flash", "exception 06", () => {
    const rig = new Rig({ ota: () => ({ ...OTA_IDLE, state: 1, inProgress: true }) });
    expect(rig.transact("01 06 00 00 00 05")).toBe("01 86 06");
    expect(rig.transact("01 08 00 11 00 00")).toBe("01 08 00 11 00 01");
  });
});

describe("FC 0F write multiple coils", () => {
  conformance("0F", "writes 10 coils; the reply gives address and quantity", "normal", () => {
    const rig = new Rig();
    expect(rig.transact("01 0f 00 01 00 0a 02 ff 03")).toBe("01 0f 00 01 00 0a");
    expect(rig.transact("01 01 00 00 00 10")).toBe("01 01 02 fe 07");
  });
  conformance("0F", "1968 coils, the most one request may write", "normal", () => {
    const rig = limitsRig();
    expect(rig.transact(`01 0f 00 00 07 b0 f6 ${"a5 ".repeat(246).trim()}`)).toBe("01 0f 00 00 07 b0");
    expect(rig.transact("01 01 07 a8 00 08")).toBe("01 01 01 a5");
  });
  conformance("0F", "quantity 1969", "exception 03", () => expect(limitsRig().transact(`01 0f 00 00 07 b1 f7 ${"00 ".repeat(247).trim()}`)).toBe("01 8f 03"));
  conformance("0F", "quantity 0", "exception 03", () => expect(new Rig().transact("01 0f 00 00 00 00 00")).toBe("01 8f 03"));
  conformance("0F", "byte count not ceil(quantity / 8)", "exception 03", () => expect(new Rig().transact("01 0f 00 00 00 0a 01 ff")).toBe("01 8f 03"));
  conformance("0F", "unmapped coils; nothing written", "exception 02", () => {
    const rig = new Rig();
    expect(rig.transact("01 0f 00 0c 00 08 01 ff")).toBe("01 8f 02");
    expect(rig.transact("01 01 00 00 00 10")).toBe("01 01 02 00 00");
  });
  conformance("0F", "a read-only coil among them; nothing written", "exception 02", () => expect(limitsRig().transact("01 0f 0b b8 00 01 01 01")).toBe("01 8f 02"));
  conformance("0F", "a coil whose source fails to store it", "exception 04", () => expect(limitsRig().transact("01 0f 0b ba 00 01 01 01")).toBe("01 8f 04"));
});

describe("FC 10 write multiple registers", () => {
  conformance("10", "writes two registers; the reply gives address and quantity", "normal", () => {
    const rig = new Rig();
    expect(rig.transact("01 10 00 64 00 02 04 00 0a 01 02")).toBe("01 10 00 64 00 02");
    expect(rig.transact("01 03 00 64 00 02")).toBe("01 03 04 00 0a 01 02");
  });
  conformance("10", "123 registers, the most one request may write", "normal", () => {
    const rig = limitsRig();
    expect(rig.transact(`01 10 00 00 00 7b f6 ${"12 34 ".repeat(123).trim()}`)).toBe("01 10 00 00 00 7b");
    expect(rig.transact("01 03 00 7a 00 01")).toBe("01 03 02 12 34");
  });
  conformance("10", "quantity 124", "exception 03", () => expect(limitsRig().transact("01 10 00 00 00 7c 02 00 00")).toBe("01 90 03"));
  conformance("10", "quantity 0", "exception 03", () => expect(new Rig().transact("01 10 00 64 00 00 00")).toBe("01 90 03"));
  conformance("10", "byte count not 2 × quantity", "exception 03", () => expect(new Rig().transact("01 10 00 64 00 02 02 00 01")).toBe("01 90 03"));
  conformance("10", "unmapped registers", "exception 02", () => expect(new Rig().transact("01 10 00 03 00 02 04 00 01 00 02")).toBe("01 90 02"));
  conformance("10", "only half of a 32-bit value", "exception 02", () => expect(limitsRig().transact("01 10 03 eb 00 02 04 00 01 00 05")).toBe("01 90 02"));
  conformance("10", "one refused value writes nothing (all or nothing)", "exception 03", () => {
    const rig = new Rig();
    expect(rig.transact("01 10 00 00 00 02 04 00 05 00 00")).toBe("01 90 03");
    expect(rig.transact("01 03 00 00 00 02")).toBe("01 03 04 00 01 00 c0");
  });
  conformance("10", "a value a point's check refuses", "exception 03", () => expect(limitsRig().transact("01 10 03 ec 00 01 02 00 0b")).toBe("01 90 03"));
  conformance("10", "a register whose source fails to store it", "exception 04", () => expect(limitsRig().transact("01 10 03 ed 00 01 02 00 01")).toBe("01 90 04"));
  conformance("10", "configuration while an update writes flash", "exception 06", () => {
    expect(new Rig({ ota: () => ({ ...OTA_IDLE, state: 1, inProgress: true }) }).transact("01 10 00 00 00 01 02 00 05")).toBe("01 90 06");
  });
  conformance("10", "32-bit value written whole", "normal", () => {
    const rig = limitsRig();
    expect(rig.transact("01 10 03 ea 00 02 04 00 01 00 02")).toBe("01 10 03 ea 00 02");
    expect(rig.transact("01 03 03 ea 00 02")).toBe("01 03 04 00 01 00 02");
  });
});

describe("FC 16 mask write register", () => {
  conformance("16", "the spec's example: 0x12 AND F2 OR 25 = 0x17; the reply echoes", "normal", () => {
    const rig = new Rig();
    rig.transact("01 06 00 64 00 12");
    expect(rig.transact("01 16 00 64 00 f2 00 25")).toBe("01 16 00 64 00 f2 00 25");
    expect(rig.transact("01 03 00 64 00 01")).toBe("01 03 02 00 17");
  });
  conformance("16", "on a configuration register, checked like a write", "exception 03", () => {
    expect(new Rig().transact("01 16 00 00 00 00 00 00")).toBe("01 96 03");
  });
  conformance("16", "unmapped register", "exception 02", () => expect(new Rig().transact("01 16 00 04 ff ff 00 00")).toBe("01 96 02"));
  conformance("16", "a 32-bit value", "exception 02", () => expect(limitsRig().transact("01 16 03 ea ff ff 00 00")).toBe("01 96 02"));
  conformance("16", "a register whose current value is invalid", "exception 04", () => expect(limitsRig().transact("01 16 03 e8 ff ff 00 00")).toBe("01 96 04"));
  conformance("16", "a register whose source fails to store it", "exception 04", () => expect(limitsRig().transact("01 16 03 ed 00 00 00 01")).toBe("01 96 04"));
  conformance("16", "configuration while an update writes flash", "exception 06", () => {
    expect(new Rig({ ota: () => ({ ...OTA_IDLE, state: 1, inProgress: true }) }).transact("01 16 00 00 ff ff 00 00")).toBe("01 96 06");
  });
});

describe("FC 17 read/write multiple registers", () => {
  conformance("17", "writes first, then reads", "normal", () => {
    const rig = new Rig();
    expect(rig.transact("01 17 00 64 00 03 00 65 00 02 04 aa aa bb bb")).toBe("01 17 06 00 00 aa aa bb bb");
  });
  conformance("17", "reads 125 and writes 121, the limits", "normal", () => {
    const rig = limitsRig();
    const reply = rig.transact(`01 17 00 00 00 7d 00 00 00 79 f2 ${"00 07 ".repeat(121).trim()}`)!;
    expect(reply.split(" ")).toHaveLength(253);
    expect(reply.slice(0, 14)).toBe("01 17 fa 00 07");
  });
  conformance("17", "read quantity 126", "exception 03", () => expect(limitsRig().transact("01 17 00 00 00 7e 00 00 00 01 02 00 00")).toBe("01 97 03"));
  conformance("17", "write quantity 122", "exception 03", () => expect(limitsRig().transact("01 17 00 00 00 01 00 00 00 7a 02 00 00")).toBe("01 97 03"));
  conformance("17", "write byte count not 2 × quantity", "exception 03", () => expect(new Rig().transact("01 17 00 64 00 01 00 64 00 02 02 00 00")).toBe("01 97 03"));
  conformance("17", "unmapped read range: nothing written", "exception 02", () => {
    const rig = new Rig();
    expect(rig.transact("01 17 00 04 00 01 00 64 00 01 02 00 09")).toBe("01 97 02");
    expect(rig.transact("01 03 00 64 00 01")).toBe("01 03 02 00 00");
  });
  conformance("17", "unmapped write range", "exception 02", () => expect(new Rig().transact("01 17 00 64 00 01 00 04 00 01 02 00 09")).toBe("01 97 02"));
  conformance("17", "read quantity 0", "exception 03", () => expect(new Rig().transact("01 17 00 64 00 00 00 65 00 01 02 00 09")).toBe("01 97 03"));
  conformance("17", "write quantity 0", "exception 03", () => expect(new Rig().transact("01 17 00 64 00 01 00 65 00 00 00")).toBe("01 97 03"));
  conformance("17", "a register to write whose source fails to store it", "exception 04", () => expect(limitsRig().transact("01 17 00 00 00 01 03 ed 00 01 02 00 01")).toBe("01 97 04"));
  conformance("17", "a register to read whose value is invalid (after the write)", "exception 04", () => {
    const rig = limitsRig();
    expect(rig.transact("01 17 03 e8 00 01 00 00 00 01 02 00 09")).toBe("01 97 04");
    expect(rig.transact("01 03 00 00 00 01")).toBe("01 03 02 00 09");
  });
  conformance("17", "configuration while an update writes flash", "exception 06", () => {
    expect(new Rig({ ota: () => ({ ...OTA_IDLE, state: 1, inProgress: true }) }).transact("01 17 00 00 00 01 00 00 00 01 02 00 05")).toBe("01 97 06");
  });
});

describe("FC 08 diagnostics", () => {
  conformance("08/00", "return query data echoes the request", "normal", () => expect(new Rig().transact("01 08 00 00 a5 37")).toBe("01 08 00 00 a5 37"));
  conformance("08/00", "echoes longer data too", "normal", () => expect(new Rig().transact("01 08 00 00 01 02 03 04 05 06")).toBe("01 08 00 00 01 02 03 04 05 06"));
  conformance("08/01", "restart communications: echo, then counters cleared", "normal", () => {
    const rig = new Rig();
    rig.transact("01 03 00 00 00 01");
    expect(rig.transact("01 08 00 01 00 00")).toBe("01 08 00 01 00 00");
    expect(rig.transact("01 08 00 0b 00 00")).toBe("01 08 00 0b 00 01");
    expect(rig.transact("01 0b")).toBe("01 0b 00 00 00 01");
  });
  conformance("08/01", "data other than 0000 or FF00", "exception 03", () => expect(new Rig().transact("01 08 00 01 12 34")).toBe("01 88 03"));
  conformance("08/01", "FF00 also clears the event log; 0000 keeps it", "normal", () => {
    const rig = new Rig();
    rig.transact("01 03 00 00 00 01");
    rig.transact("01 08 00 01 00 00");
    expect(rig.server.events()).toEqual([0x00, 0x40, 0x80, 0x40, 0x80]);
    rig.transact("01 08 00 01 ff 00");
    expect(rig.server.events()).toEqual([0x00]);
  });
  conformance("08/02", "diagnostic register: CRC-error bit after a bad frame", "normal", () => {
    const rig = new Rig();
    expect(rig.transact("01 08 00 02 00 00")).toBe("01 08 00 02 00 00");
    rig.sendRaw([0x01, 0x03, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00]);
    expect(rig.transact("01 08 00 02 00 00")).toBe("01 08 00 02 00 02");
  });
  conformance("08/04", "force listen-only: no reply, nothing answered, counters still count", "no reply", () => {
    const rig = new Rig();
    expect(rig.transact("01 08 00 04 00 00")).toBeUndefined();
    expect(rig.transact("01 03 00 00 00 01")).toBeUndefined();
    expect(rig.transact("01 06 00 64 00 09")).toBeUndefined();
    expect(rig.server.listenOnly).toBe(true);
    expect(rig.counters()).toMatchObject({ busMessages: 3, serverMessages: 3, noResponse: 3 });
  });
  conformance("08/04", "listen-only takes no action: writes are not executed", "no reply", () => {
    const rig = new Rig();
    rig.transact("01 08 00 04 00 00");
    rig.transact("01 06 00 64 00 09");
    rig.transact("01 08 00 01 00 00");
    expect(rig.transact("01 03 00 64 00 01")).toBe("01 03 02 00 00");
  });
  conformance("08/01", "restart communications leaves listen-only, without a reply", "no reply", () => {
    const rig = new Rig();
    rig.transact("01 08 00 04 00 00");
    expect(rig.transact("01 08 00 01 00 00")).toBeUndefined();
    expect(rig.transact("01 03 00 00 00 01")).toBe("01 03 02 00 01");
  });
  conformance("08/0A", "clear counters and diagnostic register", "normal", () => {
    const rig = new Rig();
    rig.transact("01 03 00 00 00 01");
    rig.sendRaw([0x01, 0x03, 0x00, 0x00]);
    expect(rig.transact("01 08 00 0a 00 00")).toBe("01 08 00 0a 00 00");
    expect(rig.transact("01 08 00 0b 00 00")).toBe("01 08 00 0b 00 01");
    expect(rig.transact("01 08 00 02 00 00")).toBe("01 08 00 02 00 00");
  });
  conformance("08/0B", "bus message count: good-CRC frames, any address, this request included; bad CRCs are not counted", "normal", () => {
    const rig = new Rig();
    rig.transact("01 03 00 00 00 01");
    rig.transact("02 03 00 00 00 01");
    rig.sendRaw([0x01, 0x03, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00]);
    expect(rig.transact("01 08 00 0b 00 00")).toBe("01 08 00 0b 00 03");
  });
  conformance("08/0B", "a frame with a character error is not a message", "normal", () => {
    const rig = new Rig();
    rig.master.format = { baud: 19200, parity: "odd", stopBits: 1 };
    rig.sendRaw(withCrc("01 03 00 00 00 01"));
    rig.master.format = rig.lineFormat;
    expect(rig.transact("01 08 00 0b 00 00")).toBe("01 08 00 0b 00 01");
  });
  conformance("08/0C", "bus communication error count: CRC errors", "normal", () => {
    const rig = new Rig();
    rig.sendRaw([0x01, 0x03, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00]);
    rig.sendRaw([0x07, 0x03, 0x00, 0x00, 0x00, 0x01, 0x12, 0x34]);
    expect(rig.transact("01 08 00 0c 00 00")).toBe("01 08 00 0c 00 02");
  });
  conformance("08/0C", "counts a frame with parity errors", "normal", () => {
    const rig = new Rig();
    rig.master.format = { baud: 19200, parity: "odd", stopBits: 1 };
    rig.sendRaw(withCrc("01 03 00 00 00 01"));
    rig.master.format = rig.lineFormat;
    expect(rig.transact("01 08 00 0c 00 00")).toBe("01 08 00 0c 00 01");
  });
  conformance("08/0C", "counts a frame with framing errors", "normal", () => {
    const rig = new Rig();
    rig.master.format = { baud: 19200, parity: "none", stopBits: 1 };
    rig.sendRaw(withCrc("01 03 00 00 00 01"));
    rig.master.format = rig.lineFormat;
    expect(rig.transact("01 08 00 0c 00 00")).toBe("01 08 00 0c 00 01");
  });
  conformance("08/0C", "counts messages shorter than 3 bytes (no CRC to check)", "normal", () => {
    const rig = new Rig();
    rig.sendRaw([0x01]);
    rig.sendRaw([0x01, 0x03]);
    expect(rig.transact("01 08 00 0c 00 00")).toBe("01 08 00 0c 00 02");
  });
  conformance("08/0C", "counts a frame broken by a gap over t1.5", "normal", () => {
    const rig = new Rig();
    const t = frameTiming(rig.lineFormat);
    rig.sendRaw(withCrc("01 03 00 00 00 01"), { gapsUs: [0, 0, 0, 0, 2 * t.characterUs] });
    expect(rig.transact("01 08 00 0c 00 00")).toBe("01 08 00 0c 00 01");
  });
  conformance("08/0C", "counts a frame whose characters overran (past 256 bytes), whoever it is for", "normal", () => {
    const rig = new Rig();
    rig.sendRaw(withCrc(`07 10 00 64 00 7c f8 ${"00 ".repeat(248).trim()}`));
    expect(rig.transact("01 08 00 0c 00 00")).toBe("01 08 00 0c 00 01");
    expect(rig.transact("01 08 00 12 00 00")).toBe("01 08 00 12 00 00");
  });
  conformance("08/0D", "bus exception error count", "normal", () => {
    const rig = new Rig();
    rig.transact("01 03 00 04 00 01");
    rig.transact("01 41");
    expect(rig.transact("01 08 00 0d 00 00")).toBe("01 08 00 0d 00 02");
  });
  conformance("08/0E", "server message count: to this slave or broadcast", "normal", () => {
    const rig = new Rig();
    rig.transact("01 03 00 00 00 01");
    rig.transact("00 06 00 64 00 01");
    rig.transact("02 03 00 00 00 01");
    expect(rig.transact("01 08 00 0e 00 00")).toBe("01 08 00 0e 00 03");
  });
  conformance("08/0F", "server no-response count: broadcasts included", "normal", () => {
    const rig = new Rig();
    rig.transact("00 06 00 64 00 01");
    rig.transact("00 05 00 01 ff 00");
    expect(rig.transact("01 08 00 0f 00 00")).toBe("01 08 00 0f 00 02");
  });
  conformance("08/10", "server NAK count (this slave never NAKs)", "normal", () => expect(new Rig().transact("01 08 00 10 00 00")).toBe("01 08 00 10 00 00"));
  conformance("08/11", "server busy count", "normal", () => {
    const rig = new Rig({ ota: () => ({ ...OTA_IDLE, inProgress: true }) });
    rig.transact("01 06 00 00 00 05");
    rig.transact("01 06 00 03 00 02");
    expect(rig.transact("01 08 00 11 00 00")).toBe("01 08 00 11 00 02");
  });
  conformance("08/12", "bus character overrun count: a frame past 256 bytes", "normal", () => {
    const rig = new Rig();
    rig.sendRaw(withCrc(`01 10 00 64 00 7c f8 ${"00 ".repeat(248).trim()}`));
    expect(rig.counters().overruns).toBe(1);
    expect(rig.transact("01 08 00 12 00 00")).toBe("01 08 00 12 00 01");
  });
  conformance("08/14", "clear overrun counter and flag", "normal", () => {
    const rig = new Rig();
    rig.sendRaw(withCrc(`01 10 00 64 00 7c f8 ${"00 ".repeat(248).trim()}`));
    // Bit 0 overrun, bit 1 communication error: an overrun is both.
    expect(rig.transact("01 08 00 02 00 00")).toBe("01 08 00 02 00 03");
    expect(rig.transact("01 08 00 14 00 00")).toBe("01 08 00 14 00 00");
    expect(rig.transact("01 08 00 12 00 00")).toBe("01 08 00 12 00 00");
    expect(rig.transact("01 08 00 02 00 00")).toBe("01 08 00 02 00 02");
  });
  for (const sub of ["0b", "0c", "0d", "0e", "0f", "10", "11", "12"]) {
    conformance(`08/${sub.toUpperCase()}`, "data other than 0000", "exception 03", () => expect(new Rig().transact(`01 08 00 ${sub} 00 01`)).toBe("01 88 03"));
  }
  conformance("08/02", "data other than 0000", "exception 03", () => expect(new Rig().transact("01 08 00 02 ff 00")).toBe("01 88 03"));
  conformance("08/04", "data other than 0000: exception 03, and listen-only is not entered", "exception 03", () => {
    const rig = new Rig();
    expect(rig.transact("01 08 00 04 00 01")).toBe("01 88 03");
    expect(rig.transact("01 03 00 00 00 01")).toBe("01 03 02 00 01");
  });
  conformance("08/0A", "data other than 0000", "exception 03", () => expect(new Rig().transact("01 08 00 0a 00 01")).toBe("01 88 03"));
  conformance("08/14", "data other than 0000", "exception 03", () => expect(new Rig().transact("01 08 00 14 12 34")).toBe("01 88 03"));
  conformance("08/03", "change ASCII delimiter (ASCII only; this is RTU)", "exception 01", () => expect(new Rig().transact("01 08 00 03 0a 00")).toBe("01 88 01"));
  conformance("08/13", "an undefined sub-function", "exception 01", () => expect(new Rig().transact("01 08 00 13 00 00")).toBe("01 88 01"));
});

describe("FC 0B get comm event counter", () => {
  conformance("0B", "counts successful completions only: not exceptions, not itself", "normal", () => {
    const rig = new Rig();
    rig.transact("01 03 00 00 00 01");
    rig.transact("01 03 00 04 00 01");
    rig.transact("01 06 00 64 00 01");
    expect(rig.transact("01 0b")).toBe("01 0b 00 00 00 02");
    expect(rig.transact("01 0b")).toBe("01 0b 00 00 00 02");
  });
});

describe("FC 0C get comm event log", () => {
  conformance("0C", "status, event count, message count and events newest first", "normal", () => {
    const rig = new Rig();
    rig.transact("01 03 00 00 00 01");
    rig.transact("01 03 00 04 00 01");
    // 80: its own receive event; 41: read exception sent; 80; 40: normal reply; 80.
    expect(rig.transact("01 0c")).toBe("01 0c 0b 00 00 00 01 00 03 80 41 80 40 80");
  });
  conformance("0C", "listen-only and broadcast events", "normal", () => {
    const rig = new Rig();
    rig.transact("00 06 00 64 00 01");
    rig.transact("01 08 00 04 00 00");
    rig.transact("01 03 00 00 00 01");
    rig.transact("01 08 00 01 00 00");
    // Newest first: 80 this request; 00 restart, a0 its receive event (in listen-only);
    // 60 a0 the read, unanswered in listen-only; 60 04 80 force listen-only; 40 c0 the broadcast.
    expect(rig.transact("01 0c")).toBe("01 0c 10 00 00 00 00 00 01 80 00 a0 60 a0 60 04 80 40 c0");
  });
});

describe("FC 11 report server ID", () => {
  conformance("11", "server id, run indicator ON, then the device's description", "normal", () => {
    const info = ascii("fieldnode 1.2.3 (sim)");
    expect(new Rig().transact("01 11")).toBe(`01 11 17 46 ff ${info}`);
  });
  conformance("11", "a request with data is the wrong length: dropped", "no reply", () => {
    const rig = new Rig();
    expect(rig.transact("01 11 00")).toBeUndefined();
    expect(rig.counters().lengthErrors).toBe(1);
  });
});

describe("FC 2B / MEI 0E read device identification", () => {
  const basic = [obj(0, "fieldnode"), obj(1, "fieldnode"), obj(2, "1.2.3")];
  const regular = [obj(4, "fieldnode field node"), obj(5, "fieldnode (sim)"), obj(6, "fieldnode firmware")];
  conformance("2B/0E", "basic, stream access: objects 00-02", "normal", () => {
    expect(new Rig().transact("01 2b 0e 01 00")).toBe(`01 2b 0e 01 82 00 00 03 ${basic.join(" ")}`);
  });
  conformance("2B/0E", "regular, stream access: basic and regular objects present", "normal", () => {
    expect(new Rig().transact("01 2b 0e 02 00")).toBe(`01 2b 0e 02 82 00 00 06 ${[...basic, ...regular].join(" ")}`);
  });
  conformance("2B/0E", "stream access from object 04", "normal", () => {
    expect(new Rig().transact("01 2b 0e 02 04")).toBe(`01 2b 0e 02 82 00 00 03 ${regular.join(" ")}`);
  });
  conformance("2B/0E", "stream from an object the category lacks restarts at 00", "normal", () => {
    expect(new Rig().transact("01 2b 0e 01 05")).toBe(`01 2b 0e 01 82 00 00 03 ${basic.join(" ")}`);
  });
  conformance("2B/0E", "individual access", "normal", () => {
    expect(new Rig().transact("01 2b 0e 04 05")).toBe(`01 2b 0e 04 82 00 00 01 ${regular[1]}`);
  });
  conformance("2B/0E", "individual access to an object the device lacks (03 VendorUrl)", "exception 02", () => {
    expect(new Rig().transact("01 2b 0e 04 03")).toBe("01 ab 02");
  });
  conformance("2B/0E", "extended, stream access: every object the device has (it has no extended ones, 80-FF)", "normal", () => {
    expect(new Rig().transact("01 2b 0e 03 00")).toBe(`01 2b 0e 03 82 00 00 06 ${[...basic, ...regular].join(" ")}`);
  });
  conformance("2B/0E", "extended, from object 80, which the device lacks: restarts at 00", "normal", () => {
    expect(new Rig().transact("01 2b 0e 03 80")).toBe(`01 2b 0e 03 82 00 00 06 ${[...basic, ...regular].join(" ")}`);
  });
  conformance("2B/0E", "read code 00", "exception 03", () => expect(new Rig().transact("01 2b 0e 00 00")).toBe("01 ab 03"));
  conformance("2B/0E", "read code 05", "exception 03", () => expect(new Rig().transact("01 2b 0e 05 00")).toBe("01 ab 03"));
  conformance("2B/0D", "MEI type other than 0E", "exception 01", () => expect(new Rig().transact("01 2b 0d 00 00")).toBe("01 ab 01"));
  conformance("2B/0E", "an answer too long for one PDU: More Follows FF and Next Object Id", "normal", () => {
    const long = "x".repeat(200);
    const server = new ModbusServer({
      map: compileRegisterMap({ blocks: [] }, {}),
      address: 1,
      identity: { vendorName: "V", productCode: "P", majorMinorRevision: "1.0", productName: long, modelName: long },
    });
    const tx = new Uint8Array(256);
    const ask = (objectId: number) => {
      const n = server.handleFrame(withCrc(`01 2b 0e 02 ${objectId.toString(16).padStart(2, "0")}`), 7, 0, tx);
      return toHex(tx.subarray(0, n - 2));
    };
    const first = ask(0);
    expect(first.slice(0, 23)).toBe("01 2b 0e 02 82 ff 05 04");
    expect(first).toBe(`01 2b 0e 02 82 ff 05 04 ${obj(0, "V")} ${obj(1, "P")} ${obj(2, "1.0")} ${"04 c8 " + ascii(long)}`);
    expect(ask(5)).toBe(`01 2b 0e 02 82 00 00 01 ${"05 c8 " + ascii(long)}`);
  });
});

describe("other function codes", () => {
  conformance("07", "read exception status (not implemented)", "exception 01", () => expect(new Rig().transact("01 07")).toBe("01 87 01"));
  conformance("18", "read FIFO queue (not implemented)", "exception 01", () => expect(new Rig().transact("01 18 00 00")).toBe("01 98 01"));
  conformance("41", "a user-defined code", "exception 01", () => expect(new Rig().transact("01 41 01 02")).toBe("01 c1 01"));
});

describe("addressing", () => {
  conformance("06", "broadcast: executed, nothing sent", "no reply", () => {
    const rig = new Rig();
    expect(rig.transact("00 06 00 64 00 07")).toBeUndefined();
    expect(rig.transact("01 03 00 64 00 01")).toBe("01 03 02 00 07");
    expect(rig.counters()).toMatchObject({ broadcasts: 1, noResponse: 1 });
  });
  conformance("10", "broadcast write multiple registers", "no reply", () => {
    const rig = new Rig();
    expect(rig.transact("00 10 00 64 00 02 04 00 01 00 02")).toBeUndefined();
    expect(rig.transact("01 03 00 64 00 02")).toBe("01 03 04 00 01 00 02");
  });
  conformance("0F", "broadcast write multiple coils", "no reply", () => {
    const rig = new Rig();
    expect(rig.transact("00 0f 00 00 00 03 01 05")).toBeUndefined();
    expect(rig.transact("01 01 00 00 00 03")).toBe("01 01 01 05");
  });
  conformance("03", "broadcast read: not executed, not answered, an error counted in 08/0D", "no reply", () => {
    const rig = new Rig();
    expect(rig.transact("00 03 00 00 00 01")).toBeUndefined();
    expect(rig.counters()).toMatchObject({ broadcasts: 1, noResponse: 1 });
    expect(rig.transact("01 08 00 0d 00 00")).toBe("01 08 00 0d 00 01");
  });
  conformance("08/04", "broadcast force listen-only", "no reply", () => {
    const rig = new Rig();
    expect(rig.transact("00 08 00 04 00 00")).toBeUndefined();
    expect(rig.server.listenOnly).toBe(true);
  });
  conformance("06", "another slave's address: ignored and counted", "no reply", () => {
    const rig = new Rig();
    expect(rig.transact("02 06 00 64 00 07")).toBeUndefined();
    expect(rig.transact("01 03 00 64 00 01")).toBe("01 03 02 00 00");
    expect(rig.counters().otherAddress).toBe(1);
  });
  conformance("03", "reserved address 248: ignored", "no reply", () => expect(new Rig().transact("f8 03 00 00 00 01")).toBeUndefined());
  conformance("03", "bad CRC: dropped silently and counted", "no reply", () => {
    const rig = new Rig();
    const frame = withCrc("01 03 00 00 00 01");
    frame[7]! ^= 0x01;
    expect(rig.transactFrame(frame)).toBeUndefined();
    expect(rig.counters()).toMatchObject({ busCommErrors: 1, serverMessages: 0 });
  });
  conformance("03", "wrong length (a byte too many): dropped silently and counted", "no reply", () => {
    const rig = new Rig();
    expect(rig.transact("01 03 00 00 00 01 00")).toBeUndefined();
    expect(rig.counters()).toMatchObject({ lengthErrors: 1, noResponse: 1 });
  });
  conformance("10", "byte count disagreeing with the frame length: dropped", "no reply", () => {
    const rig = new Rig();
    expect(rig.transact("01 10 00 64 00 02 04 00 01 00")).toBeUndefined();
    expect(rig.counters().lengthErrors).toBe(1);
  });
  conformance("03", "a frame shorter than 4 bytes: dropped and counted as a communication error", "no reply", () => {
    const rig = new Rig();
    rig.sendRaw([0x01, 0x03]);
    expect(rig.counters()).toMatchObject({ busCommErrors: 1, busMessages: 0, serverMessages: 0 });
  });
  it("answers at the slave address held in the settings", () => {
    const rig = new Rig({ settings: { address: 17 } });
    expect(rig.transact("11 03 00 00 00 01")).toBe("11 03 02 00 11");
    expect(rig.transact("01 03 00 00 00 01")).toBeUndefined();
  });
});

describe("broadcast (address 0): writes executed, nothing ever sent", () => {
  conformance("05", "broadcast write single coil", "no reply", () => {
    const rig = new Rig();
    expect(rig.transact("00 05 00 02 ff 00")).toBeUndefined();
    expect(rig.transact("01 01 00 00 00 08")).toBe("01 01 01 04");
  });
  conformance("16", "broadcast mask write register", "no reply", () => {
    const rig = new Rig();
    rig.transact("01 06 00 64 00 12");
    expect(rig.transact("00 16 00 64 00 f2 00 25")).toBeUndefined();
    expect(rig.transact("01 03 00 64 00 01")).toBe("01 03 02 00 17");
  });
  conformance("17", "broadcast read/write: the write is executed, the read skipped", "no reply", () => {
    const rig = new Rig();
    expect(rig.transact("00 17 00 64 00 02 00 65 00 01 02 12 34")).toBeUndefined();
    expect(rig.transact("01 03 00 64 00 02")).toBe("01 03 04 00 00 12 34");
    expect(rig.counters()).toMatchObject({ broadcasts: 1, noResponse: 1, exceptions: 0 });
  });
  conformance("17", "broadcast read/write: the read range is not checked, since nothing is read", "no reply", () => {
    const rig = new Rig();
    expect(rig.transact("00 17 00 04 00 01 00 64 00 01 02 00 09")).toBeUndefined();
    expect(rig.transact("01 03 00 64 00 01")).toBe("01 03 02 00 09");
  });
  conformance("17", "broadcast read/write with read quantity 0: nothing written, an error counted in 08/0D", "no reply", () => {
    const rig = new Rig();
    expect(rig.transact("00 17 00 64 00 00 00 64 00 01 02 00 09")).toBeUndefined();
    expect(rig.transact("01 03 00 64 00 01")).toBe("01 03 02 00 00");
    expect(rig.transact("01 08 00 0d 00 00")).toBe("01 08 00 0d 00 01");
  });
  conformance("06", "broadcast write to an unmapped address: nothing sent, an error counted in 08/0D", "no reply", () => {
    const rig = new Rig();
    expect(rig.transact("00 06 00 04 00 01")).toBeUndefined();
    expect(rig.transact("01 08 00 0d 00 00")).toBe("01 08 00 0d 00 01");
    expect(rig.transact("01 08 00 0f 00 00")).toBe("01 08 00 0f 00 01");
  });
  conformance("06", "broadcast of a value the register refuses: nothing written, counted in 08/0D", "no reply", () => {
    const rig = new Rig();
    expect(rig.transact("00 06 00 00 00 00")).toBeUndefined();
    expect(rig.transact("01 03 00 00 00 01")).toBe("01 03 02 00 01");
    expect(rig.transact("01 08 00 0d 00 00")).toBe("01 08 00 0d 00 01");
  });
  conformance("06", "broadcast configuration write while an update writes flash: counted in 08/0D, not as a busy reply (08/11)", "no reply", () => {
    const rig = new Rig({ ota: () => ({ ...OTA_IDLE, state: 1, inProgress: true }) });
    expect(rig.transact("00 06 00 00 00 05")).toBeUndefined();
    expect(rig.transact("01 08 00 0d 00 00")).toBe("01 08 00 0d 00 01");
    expect(rig.transact("01 08 00 11 00 00")).toBe("01 08 00 11 00 00");
  });
  conformance("10", "broadcast write multiple registers with quantity 0: an error counted in 08/0D", "no reply", () => {
    const rig = new Rig();
    expect(rig.transact("00 10 00 64 00 00 00")).toBeUndefined();
    expect(rig.transact("01 08 00 0d 00 00")).toBe("01 08 00 0d 00 01");
  });
  conformance("08/0A", "broadcast clear counters", "no reply", () => {
    const rig = new Rig();
    rig.transact("01 03 00 00 00 01");
    expect(rig.transact("00 08 00 0a 00 00")).toBeUndefined();
    expect(rig.transact("01 08 00 0b 00 00")).toBe("01 08 00 0b 00 01");
  });
  conformance("08/01", "broadcast restart communications leaves listen-only", "no reply", () => {
    const rig = new Rig();
    rig.transact("00 08 00 04 00 00");
    expect(rig.transact("00 08 00 01 00 00")).toBeUndefined();
    expect(rig.transact("01 03 00 00 00 01")).toBe("01 03 02 00 01");
  });
  conformance("08/14", "broadcast clear overrun counter and flag", "no reply", () => {
    const rig = new Rig();
    rig.sendRaw(withCrc(`01 10 00 64 00 7c f8 ${"00 ".repeat(248).trim()}`));
    expect(rig.transact("00 08 00 14 00 00")).toBeUndefined();
    expect(rig.transact("01 08 00 12 00 00")).toBe("01 08 00 12 00 00");
  });
  const notWrites: Array<[string, string]> = [
    ["01", "00 01 00 00 00 01"],
    ["02", "00 02 00 00 00 01"],
    ["04", "00 04 00 00 00 01"],
    ["08/00", "00 08 00 00 12 34"],
    ["08/0B", "00 08 00 0b 00 00"],
    ["0B", "00 0b"],
    ["0C", "00 0c"],
    ["11", "00 11"],
    ["2B/0E", "00 2b 0e 01 00"],
    ["41", "00 41 01 02"],
  ];
  for (const [fc, request] of notWrites) {
    conformance(fc, "broadcast: not executed, not answered, an error counted in 08/0D", "no reply", () => {
      const rig = new Rig();
      expect(rig.transact(request)).toBeUndefined();
      expect(rig.transact("01 08 00 0d 00 00")).toBe("01 08 00 0d 00 01");
    });
  }
});

describe("listen-only (08/04): nothing executed or answered until 08/01", () => {
  const requests: Array<[string, string]> = [
    ["01", "01 01 00 00 00 01"],
    ["02", "01 02 00 00 00 01"],
    ["03", "01 03 00 00 00 01"],
    ["04", "01 04 00 00 00 01"],
    ["05", "01 05 00 00 ff 00"],
    ["06", "01 06 00 64 00 09"],
    ["0F", "01 0f 00 00 00 01 01 01"],
    ["10", "01 10 00 64 00 01 02 00 09"],
    ["16", "01 16 00 64 00 00 00 09"],
    ["17", "01 17 00 64 00 01 00 64 00 01 02 00 09"],
    ["08/00", "01 08 00 00 12 34"],
    ["08/0A", "01 08 00 0a 00 00"],
    ["0B", "01 0b"],
    ["0C", "01 0c"],
    ["11", "01 11"],
    ["2B/0E", "01 2b 0e 01 00"],
  ];
  for (const [fc, request] of requests) {
    conformance(fc, "in listen-only: not executed, not answered", "no reply", () => {
      const rig = new Rig();
      rig.transact("01 06 00 65 00 01");
      rig.transact("01 08 00 04 00 00");
      expect(rig.transact(request)).toBeUndefined();
      expect(rig.counters()).toMatchObject({ noResponse: 2, serverMessages: 3 });
      rig.transact("01 08 00 01 00 00");
      expect(rig.transact("01 03 00 64 00 02")).toBe("01 03 04 00 00 00 01");
      expect(rig.transact("01 01 00 00 00 01")).toBe("01 01 01 00");
    });
  }
});
