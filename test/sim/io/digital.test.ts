import { describe, expect, it } from "vitest";
import { PowerDomain } from "../../../sim/device/power-domain";
import { createDigitalClass } from "../../../sim/io/digital";
import { GpioBank } from "../../../sim/io/gpio-bank";

function setup() {
  const gpio = new GpioBank([2, 4, 5]);
  const domain = new PowerDomain((error) => {
    throw error;
  });
  return { gpio, domain, Digital: createDigitalClass(gpio, domain) };
}

describe("simulated ECMA-419 Digital", () => {
  it("drives an output pin and counts its transitions", () => {
    const { gpio, Digital } = setup();
    const led = new Digital({ pin: 2, mode: Digital.Output });
    led.write(1);
    led.write(0);
    led.write(1);
    expect(gpio.state(2)).toMatchObject({ direction: "output", level: 1, transitions: 3 });
  });

  it("reads what the outside world drives on an input", () => {
    const { gpio, Digital } = setup();
    const button = new Digital({ pin: 4, mode: Digital.Input });
    gpio.setExternal(4, 1);
    expect(button.read()).toBe(1);
  });

  it("reads the pull level of an undriven pull-up input", () => {
    const { Digital } = setup();
    expect(new Digital({ pin: 5, mode: Digital.InputPullUp }).read()).toBe(1);
  });

  it("calls onReadable on the configured edge only", () => {
    const { gpio, Digital } = setup();
    let rising = 0;
    new Digital({ pin: 4, mode: Digital.Input, edge: Digital.Rising, onReadable: () => rising++ });
    gpio.setExternal(4, 1);
    gpio.setExternal(4, 0);
    gpio.setExternal(4, 1);
    expect(rising).toBe(2);
  });

  it("refuses a pin that is already open", () => {
    const { Digital } = setup();
    new Digital({ pin: 2, mode: Digital.Output });
    expect(() => new Digital({ pin: 2, mode: Digital.Output })).toThrow("pin 2 in use");
  });

  it("refuses a pin the board does not have", () => {
    const { Digital } = setup();
    expect(() => new Digital({ pin: 40, mode: Digital.Output })).toThrow("invalid pin 40");
  });

  it("refuses a write to an input", () => {
    const { Digital } = setup();
    expect(() => new Digital({ pin: 4, mode: Digital.Input }).write(1)).toThrow("output mode");
  });

  it("refuses every call after close and frees the pin", () => {
    const { Digital } = setup();
    const pin = new Digital({ pin: 2, mode: Digital.Output });
    pin.close();
    expect(() => pin.read()).toThrow("closed");
    expect(() => new Digital({ pin: 2, mode: Digital.Output })).not.toThrow();
  });

  it("refuses new IO once the power domain has ended", () => {
    const { domain, Digital } = setup();
    new Digital({ pin: 2, mode: Digital.Output });
    domain.end();
    expect(() => new Digital({ pin: 2, mode: Digital.Output })).toThrow("powered off");
  });
});
