import { describe, expect, it } from "vitest";
import { RecordStore } from "../../../firmware/config/record-store";
import { Settings, SettingsError, type SettingsSection } from "../../../firmware/config/settings";
import { encodeUtf8 } from "../../../firmware/core/utf8";
import { deviceFlash } from "./flash-fixture";

interface Line {
  address: number;
}

const line: SettingsSection<Line> = {
  name: "line",
  defaults: { address: 1 },
  validate(value) {
    const address = (value as Partial<Line> | null)?.address;
    if (typeof address !== "number" || !Number.isInteger(address) || address < 1 || address > 247) {
      throw new SettingsError(`address must be an integer 1-247, got ${JSON.stringify(address)}`);
    }
    return { address };
  },
};

function open(storage: ReturnType<typeof deviceFlash>["storage"], log: string[] = []) {
  const settings = new Settings(new RecordStore(storage.open({ path: "settings" })), (l) => log.push(l));
  settings.load();
  return settings;
}

describe("Settings", () => {
  it("returns a section's defaults when nothing is stored", () => {
    expect(open(deviceFlash().storage).get(line)).toEqual({ address: 1 });
  });

  it("persists a section across a reload", () => {
    const { storage } = deviceFlash();
    open(storage).set(line, { address: 17 });
    expect(open(storage).get(line)).toEqual({ address: 17 });
  });

  it("writes nothing when the new value does not validate", () => {
    const { storage } = deviceFlash();
    const settings = open(storage);
    settings.set(line, { address: 17 });
    expect(() => settings.set(line, { address: 300 })).toThrow("address must be an integer 1-247, got 300");
    expect(open(storage).get(line)).toEqual({ address: 17 });
    expect(open(storage).sequence).toBe(1);
  });

  it("falls back to defaults, and says why, when a stored section no longer validates", () => {
    const { storage } = deviceFlash();
    new RecordStore(storage.open({ path: "settings" })).save(encodeUtf8(JSON.stringify({ line: { address: 0 } })));
    const log: string[] = [];
    expect(open(storage, log).get(line)).toEqual({ address: 1 });
    expect(log).toEqual(["settings: line ignored (address must be an integer 1-247, got 0); using defaults"]);
  });

  it("keeps other sections when one is updated", () => {
    const { storage } = deviceFlash();
    const other: SettingsSection<string> = { name: "other", defaults: "x", validate: (v) => String(v) };
    const settings = open(storage);
    settings.set(other, "kept");
    settings.set(line, { address: 9 });
    expect(open(storage).get(other)).toBe("kept");
  });
});
