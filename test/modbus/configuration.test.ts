/**
 * The slave's address and serial line: out-of-the-box values, changes over
 * Modbus (answered with the old settings, applied after the reply, persisted)
 * and through the firmware API, and what survives a reset.
 */
import { describe, expect, it } from "vitest";
import { MODBUS_SETTINGS } from "../../firmware/modbus/settings";
import { frameTiming } from "../../firmware/modbus/timing";
import { deviceFlash } from "../firmware/config/flash-fixture";
import { Rig } from "./rig";

describe("slave configuration", () => {
  it("out of the box: address 1, 19200 baud, 8E1 (the serial line spec's default)", () => {
    const rig = new Rig();
    expect(rig.modbus.settings).toEqual({ address: 1, baud: 19200, parity: "even", stopBits: 1 });
    expect(rig.log).toContain("modbus: RTU slave 1 on UART2, 19200 8E1");
  });

  it("a new address written over Modbus is answered from the old one, then used", () => {
    const rig = new Rig();
    expect(rig.transact("01 06 00 00 00 05")).toBe("01 06 00 00 00 05");
    expect(rig.transact("01 03 00 00 00 01")).toBeUndefined();
    expect(rig.transact("05 03 00 00 00 01")).toBe("05 03 02 00 05");
  });

  it("a new baud rate is answered at the old rate, then the line switches", () => {
    const rig = new Rig();
    expect(rig.transact("01 06 00 01 00 60")).toBe("01 06 00 01 00 60");
    expect(rig.transact("01 03 00 01 00 01")).toBeUndefined();
    rig.master.format = { baud: 9600, parity: "even", stopBits: 1 };
    expect(rig.transact("01 03 00 01 00 01")).toBe("01 03 02 00 60");
    expect(rig.log).toContain("modbus: line now 9600 8E1");
  });

  it("writing parity 'none' gives the spec's two stop bits", () => {
    const rig = new Rig();
    expect(rig.transact("01 06 00 02 00 00")).toBe("01 06 00 02 00 00");
    expect(rig.modbus.settings).toMatchObject({ parity: "none", stopBits: 2 });
    rig.master.format = { baud: 19200, parity: "none", stopBits: 2 };
    expect(rig.transact("01 03 00 02 00 02")).toBe("01 03 04 00 00 00 02");
  });

  it("parity and stop bits written together: the explicit stop bits win (8N1)", () => {
    const rig = new Rig();
    expect(rig.transact("01 10 00 02 00 02 04 00 00 00 01")).toBe("01 10 00 02 00 02");
    expect(rig.modbus.settings).toMatchObject({ parity: "none", stopBits: 1 });
  });

  it("115200 baud: register value 1152", () => {
    const rig = new Rig();
    expect(rig.transact("01 06 00 01 04 80")).toBe("01 06 00 01 04 80");
    expect(rig.modbus.settings.baud).toBe(115200);
    rig.master.format = { baud: 115200, parity: "even", stopBits: 1 };
    expect(rig.transact("01 03 00 01 00 01")).toBe("01 03 02 04 80");
  });

  it("address and line written over Modbus survive a reset", () => {
    const flash = deviceFlash();
    const first = new Rig({ flash });
    first.transact("01 10 00 00 00 03 06 00 07 00 60 00 01");
    const second = new Rig({ flash });
    expect(second.modbus.settings).toEqual({ address: 7, baud: 9600, parity: "odd", stopBits: 1 });
    second.master.format = { baud: 9600, parity: "odd", stopBits: 1 };
    expect(second.transact("07 03 00 00 00 04")).toBe("07 03 08 00 07 00 60 00 01 00 01");
  });

  it("the boot count grows with every start and is kept with the settings", () => {
    const flash = deviceFlash();
    new Rig({ flash });
    new Rig({ flash });
    const third = new Rig({ flash });
    expect(third.transact("01 04 00 05 00 02")).toBe("01 04 04 00 00 00 03");
  });

  it("the firmware API validates, persists and applies", () => {
    const rig = new Rig();
    rig.modbus.configure({ address: 9, baud: 38400 });
    expect(rig.settings.get(MODBUS_SETTINGS)).toEqual({ address: 9, baud: 38400, parity: "even", stopBits: 1 });
    rig.master.format = { baud: 38400, parity: "even", stopBits: 1 };
    expect(rig.transact("09 03 00 00 00 01")).toBe("09 03 02 00 09");
    expect(() => rig.modbus.configure({ address: 0 })).toThrow("modbus.address: 0 is not a slave address (1-247)");
    expect(() => rig.modbus.configure({ baud: 12345 })).toThrow(/modbus.baud: 12345 is not one of/);
  });

  it("a damaged stored setting falls back to the defaults and says so", () => {
    const flash = deviceFlash();
    const first = new Rig({ flash });
    // What an older firmware might have left behind.
    const store = first.settings as unknown as { set(section: unknown, value: unknown): void };
    store.set({ name: "modbus", defaults: {}, validate: (v: unknown) => v }, { address: 999 });
    const second = new Rig({ flash });
    expect(second.modbus.settings.address).toBe(1);
    expect(second.log.some((l) => l.includes("modbus.address: 999 is not a slave address"))).toBe(true);
  });

  it("line timing follows the configured line: t3.5 at 9600 8N2 is 3.5 × 11 bits", () => {
    expect(frameTiming({ baud: 9600, parity: "none", stopBits: 2 }).t35Us).toBeCloseTo((3.5 * 11 * 1e6) / 9600, 6);
    expect(frameTiming({ baud: 9600, parity: "none", stopBits: 1 }).t35Us).toBeCloseTo((3.5 * 10 * 1e6) / 9600, 6);
  });
});
