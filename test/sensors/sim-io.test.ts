import { describe, expect, it } from "vitest";
import { PowerDomain } from "../../sim/device/power-domain";
import { createAnalogClass } from "../../sim/io/analog";
import { createI2CClass } from "../../sim/io/i2c";
import { SimI2CBus, type I2CTarget } from "../../sim/sensors/i2c-bus";

/** A register device that acknowledges everything and echoes its last write on reads. */
function echo(address: number): I2CTarget & { last: number[] } {
  const device = {
    address,
    last: [] as number[],
    write(data: Uint8Array) {
      device.last = [...data];
      return "ack" as const;
    },
    read(target: Uint8Array) {
      target.set(device.last.slice(0, target.length));
      return true;
    },
  };
  return device;
}

function setup() {
  const bus = new SimI2CBus();
  bus.attach(echo(0x44));
  const domain = new PowerDomain((error) => {
    throw error;
  });
  const I2C = createI2CClass(new Map([["21/22", bus]]), domain);
  return { bus, domain, I2C };
}

describe("simulated ECMA-419 I2C (Moddable's ESP32 behaviour)", () => {
  it("writes and reads into the caller's buffer, returning its length", () => {
    const { I2C } = setup();
    const io = new I2C({ data: 21, clock: 22, address: 0x44, hz: 400_000 });
    io.write(Uint8Array.of(1, 2, 3));
    const target = new Uint8Array(2);
    expect(io.read(target)).toBe(2);
    expect([...target]).toEqual([1, 2]);
    expect(new Uint8Array(io.read(3))).toEqual(Uint8Array.of(1, 2, 3));
  });

  it('throws "write failed" / "read failed" when nothing acknowledges, and probes with a zero-length write', () => {
    const { I2C } = setup();
    const absent = new I2C({ data: 21, clock: 22, address: 0x45, hz: 400_000 });
    expect(() => absent.write(Uint8Array.of(1))).toThrow("write failed");
    expect(() => absent.read(new Uint8Array(1))).toThrow("read failed");
    expect(absent.write(new Uint8Array(0))).toBe(1);
    const present = new I2C({ data: 21, clock: 22, address: 0x44, hz: 400_000 });
    expect(present.write(new Uint8Array(0))).toBeUndefined();
  });

  it("checks its options with Moddable's messages", () => {
    const { I2C } = setup();
    expect(() => new I2C({ clock: 22, address: 0x44, hz: 1 } as never)).toThrow("data required");
    expect(() => new I2C({ data: 21, clock: 22, address: 128, hz: 1 })).toThrow("invalid address");
    expect(() => new I2C({ data: 21, clock: 22, address: 0x44, hz: 0 })).toThrow("invalid hz");
    expect(() => new I2C({ data: 34, clock: 22, address: 0x44, hz: 1 })).toThrow("unusable pins");
    const first = new I2C({ data: 21, clock: 22, address: 0x44, hz: 1 });
    expect(() => new I2C({ data: 21, clock: 22, address: 0x44, hz: 1 })).toThrow("duplicate address");
    first.close();
    expect(() => new I2C({ data: 21, clock: 22, address: 0x44, hz: 1 })).not.toThrow();
  });

  it("refuses every call once closed, and is closed by a power cut", () => {
    const { I2C, domain } = setup();
    const io = new I2C({ data: 21, clock: 22, address: 0x44, hz: 1 });
    domain.end();
    expect(() => io.write(Uint8Array.of(1))).toThrow("closed");
  });

  it("acts as an empty bus on pins with nothing wired", () => {
    const { I2C } = setup();
    const io = new I2C({ data: 18, clock: 19, address: 0x44, hz: 1 });
    expect(io.write(new Uint8Array(0))).toBe(1);
  });
});

describe("simulated ECMA-419 Analog", () => {
  it("reads raw counts from what drives the pin, 12 bits, 0 when nothing does", () => {
    const domain = new PowerDomain(() => {});
    const Analog = createAnalogClass(new Map([[36, { read: () => 1234 }]]), domain);
    const a = new Analog({ pin: 36 });
    expect(a.resolution).toBe(12);
    expect(a.read()).toBe(1234);
    expect(new Analog({ pin: 39 }).read()).toBe(0);
  });

  it('refuses a pin without an ADC ("not analog pin") and one in use', () => {
    const domain = new PowerDomain(() => {});
    const Analog = createAnalogClass(new Map(), domain);
    expect(() => new Analog({ pin: 21 })).toThrow("not analog pin");
    new Analog({ pin: 36 });
    expect(() => new Analog({ pin: 36 })).toThrow("in use");
  });

  it("is closed by a power cut", () => {
    const domain = new PowerDomain(() => {});
    const Analog = createAnalogClass(new Map(), domain);
    const a = new Analog({ pin: 36 });
    domain.end();
    expect(() => a.read()).toThrow("closed");
  });
});
