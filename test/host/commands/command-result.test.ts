import { describe, expect, it } from "vitest";
import { parseStatusMessage } from "../../../host/commands/command-result";
import { isAnswerTo } from "../../../host/commands/send-command";
import { parseDeviceTopic } from "../../../host/commands/topics";

describe("status topic messages", () => {
  it("reads the retained presence strings", () => {
    expect(parseStatusMessage("online")).toEqual({ kind: "presence", online: true });
    expect(parseStatusMessage("offline")).toEqual({ kind: "presence", online: false });
  });

  it("reads a refusal with its reason", () => {
    const payload = JSON.stringify({ type: "command", result: "refused", command: "reboot", nonce: "ab".repeat(16), keyId: "0123456789abcdef", reason: "replayed", message: "nonce was already used" });
    expect(parseStatusMessage(payload)).toEqual({
      kind: "result",
      result: { type: "command", result: "refused", command: "reboot", nonce: "ab".repeat(16), keyId: "0123456789abcdef", reason: "replayed", message: "nonce was already used" },
    });
  });

  it("ignores other JSON", () => {
    expect(parseStatusMessage('{"type":"health"}')).toEqual({ kind: "other" });
  });
});

describe("isAnswerTo", () => {
  const nonce = "ab".repeat(16);
  it("takes a result naming the nonce", () => {
    expect(isAnswerTo({ type: "command", result: "accepted", nonce, message: "" }, nonce)).toBe(true);
  });
  it("takes a refusal without a nonce (the body was never read)", () => {
    expect(isAnswerTo({ type: "command", result: "refused", reason: "unknown-key", message: "" }, nonce)).toBe(true);
  });
  it("ignores another command's result", () => {
    expect(isAnswerTo({ type: "command", result: "accepted", nonce: "cd".repeat(16), message: "" }, nonce)).toBe(false);
  });
});

describe("parseDeviceTopic", () => {
  it("names the device and topic", () => {
    expect(parseDeviceTopic("fieldnode", "fieldnode/node-1/status")).toEqual({ device: "node-1", kind: "status" });
    expect(parseDeviceTopic("site/a", "site/a/node-1/ota/status")).toEqual({ device: "node-1", kind: "ota-status" });
  });
  it("ignores telemetry and other prefixes", () => {
    expect(parseDeviceTopic("fieldnode", "fieldnode/node-1/telemetry")).toBeUndefined();
    expect(parseDeviceTopic("fieldnode", "other/node-1/status")).toBeUndefined();
  });
});
