/**
 * A fleet's devices run one firmware build: its realms share one compilation
 * (so a hundred devices do not parse 250 KB a hundred times) and still start
 * with nothing of one another's globals.
 */
import { describe, expect, it } from "vitest";
import { loadFirmware, precompileFirmware } from "../../sim/device/firmware-realm";

const image = `var fieldnode = { start(host) {
  host.before = typeof globalThis.mark; globalThis.mark = host.name;
  if (host.fail) throw new Error("boom");
  return host;
} };`;

describe("firmware realms of a fleet", () => {
  it("share the compilation made ahead of the first boot, named after the build", () => {
    precompileFirmware(image, "fieldnode-9.9.9.js");
    let stack = "";
    try {
      loadFirmware(image, "unit-042/ota_0.js", () => {}).start({ name: "unit-042", fail: true } as never);
    } catch (error) {
      stack = (error as Error).stack ?? "";
    }
    expect(stack).toContain("fieldnode-9.9.9.js");
    expect(stack).not.toContain("unit-042/ota_0.js");
  });

  it("give every device fresh globals although the code is shared", () => {
    const first = { name: "a" } as Record<string, unknown>;
    const second = { name: "b" } as Record<string, unknown>;
    loadFirmware(image, "a.js", () => {}).start(first as never);
    loadFirmware(image, "b.js", () => {}).start(second as never);
    expect(first.before).toBe("undefined");
    expect(second.before).toBe("undefined");
  });
});
