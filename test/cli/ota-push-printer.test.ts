import { describe, expect, it } from "vitest";
import type { DeviceUpdateOutcome } from "../../host/ota/device-update";
import { describeOutcome, PushPrinter } from "../../host/ota/push-printer";
import { report } from "./ota-fake-device";

const NONCE = "ab".repeat(16);
const dl = (bytes: number) => report("downloading", { bytes, total: 1_000_000, percent: bytes / 10_000, version: "2.0.0", nonce: NONCE });

function printer(mode: "bar" | "lines") {
  let out = "";
  let now = 0;
  const p = new PushPrinter(mode, (t) => void (out += t), "node-1", "2.0.0", () => now);
  return { p, out: () => out, at: (ms: number) => void (now = ms) };
}

describe("PushPrinter on a terminal", () => {
  it("redraws the download bar in place with rate and ETA, and leaves it at 100%", () => {
    const { p, out, at } = printer("bar");
    p.event({ kind: "state", report: dl(0) });
    at(1000);
    p.event({ kind: "progress", report: dl(500_000) });
    at(2000);
    p.event({ kind: "state", report: report("installing", { bytes: 1_000_000, total: 1_000_000, percent: 100, version: "2.0.0", nonce: NONCE }) });
    expect(out().split("\x1b[K")).toEqual([
      "\rdownloading [------------------------]   0%  0 B/976.6 KiB  -",
      "\rdownloading [############------------]  50%  488.3 KiB/976.6 KiB  488.3 KiB/s  ETA 1s",
      "\rdownloading [########################] 100%  976.6 KiB/976.6 KiB  488.3 KiB/s  ETA 0s",
      "\n\rinstalling 2.0.0 into the inactive slot  0s",
      "",
    ]);
  });

  it("keeps the wait through the trial moving, one tick a second", () => {
    const { p, out, at } = printer("bar");
    p.event({ kind: "state", report: report("trial", { version: "2.0.0", running: "2.0.0", slot: "ota_1", nonce: NONCE }) });
    at(7_000);
    p.tick();
    expect(out()).toBe("\rtrial: 2.0.0 is running on ota_1 and proving itself  0s\x1b[K\rtrial: 2.0.0 is running on ota_1 and proving itself  7s\x1b[K");
  });

  it("ends the live line before the outcome", () => {
    const { p, out } = printer("bar");
    p.event({ kind: "state", report: report("trial", { version: "2.0.0", running: "2.0.0", nonce: NONCE }) });
    p.event({ kind: "state", report: report("confirmed", { version: "2.0.0", running: "2.0.0", previous: "1.0.0", nonce: NONCE }) });
    expect(out().endsWith("\x1b[K\nconfirmed: 2.0.0 kept its slot (was 1.0.0)\n")).toBe(true);
  });
});

describe("PushPrinter in a log", () => {
  it("prints a line per state change and none per progress report", () => {
    const { p, out } = printer("lines");
    p.event({ kind: "state", report: dl(0) });
    p.event({ kind: "progress", report: dl(500_000) });
    p.event({ kind: "presence", online: false });
    expect(out()).toBe("downloading 2.0.0 (976.6 KiB)\nnode-1 is offline\n");
  });
});

describe("describeOutcome", () => {
  const base: DeviceUpdateOutcome = { device: "node-1", nonce: NONCE, result: "confirmed", from: "1.0.0", to: "2.0.0", running: "2.0.0", ms: 17_340, error: null, refusal: null, lastState: "confirmed" };

  it("says what was updated and how long it took", () => {
    expect(describeOutcome(base)).toBe("updated node-1: 1.0.0 -> 2.0.0, confirmed after its trial (17.3 s)");
  });

  it("gives a failure's code, number and message", () => {
    expect(describeOutcome({ ...base, result: "failed", running: "1.0.0", error: { code: "SHA256_MISMATCH", number: 9, message: "payload differs" } })).toBe(
      "update of node-1 to 2.0.0 failed (17.3 s): SHA256_MISMATCH (9): payload differs",
    );
  });
});

describe("PushPrinter: the device's answer after its first report", () => {
  it("is printed above the live bar, which goes on below it", () => {
    const { p, out } = printer("bar");
    p.event({ kind: "state", report: dl(0) });
    p.event({ kind: "command-result", result: { type: "command", result: "accepted", command: "ota.start", nonce: NONCE, message: "downloading 2.0.0" } });
    expect(out().split("\x1b[K")).toEqual([
      "\rdownloading [------------------------]   0%  0 B/976.6 KiB  -",
      "\rnode-1 accepted ota.start: downloading 2.0.0",
      "\n\rdownloading [------------------------]   0%  0 B/976.6 KiB  -",
      "",
    ]);
  });
});
