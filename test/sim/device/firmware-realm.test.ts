import { describe, expect, it } from "vitest";
import { FirmwareLoadError, loadFirmware } from "../../../sim/device/firmware-realm";

const probe = `var fieldnode = { start(host) { host.seen = {
  process: typeof process, Buffer: typeof Buffer, require: typeof require, setTimeout: typeof setTimeout,
  trace: typeof trace, leaked: typeof globalThis.leaked } ; globalThis.leaked = 1; return host.seen; } };`;

describe("firmware realm", () => {
  it("gives the firmware no Node globals, only trace", () => {
    const host = {} as Record<string, unknown>;
    loadFirmware(probe, "probe.js", () => {}).start(host as never);
    expect(host.seen).toEqual({
      process: "undefined", Buffer: "undefined", require: "undefined", setTimeout: "undefined",
      trace: "function", leaked: "undefined",
    });
  });

  it("starts every boot with fresh globals", () => {
    const first = {} as Record<string, unknown>;
    const second = {} as Record<string, unknown>;
    loadFirmware(probe, "a.js", () => {}).start(first as never);
    loadFirmware(probe, "b.js", () => {}).start(second as never);
    expect((second.seen as Record<string, string>).leaked).toBe("undefined");
  });

  it("routes trace output line by line", () => {
    const lines: string[] = [];
    const src = `var fieldnode = { start() { trace("a\\nb", 1, "\\n"); } };`;
    loadFirmware(src, "t.js", (l) => lines.push(l)).start({} as never);
    expect(lines).toEqual(["a", "b1"]);
  });

  it("refuses an image without the fieldnode entry point", () => {
    expect(() => loadFirmware("var x = 1;", "x.js", () => {})).toThrow(FirmwareLoadError);
  });

  it("refuses an image that does not compile", () => {
    expect(() => loadFirmware("var = ;", "x.js", () => {})).toThrow(/does not compile/);
  });
});
