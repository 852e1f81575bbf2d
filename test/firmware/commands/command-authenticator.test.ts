import { describe, expect, it } from "vitest";
import { CommandAuthenticator } from "../../../firmware/commands/command-authenticator";
import { formatEnvelope, parseEnvelope } from "../../../firmware/commands/command-format";
import { NONCE_SLOTS, ReplayGuard } from "../../../firmware/commands/replay-guard";
import { RecordStore } from "../../../firmware/config/record-store";
import { parsePublicKeyFile } from "../../../firmware/ota/public-key-file";
import { TrustStore } from "../../../firmware/ota/trust-store";
import { parseTechnicianKey } from "../../../host/commands/technician-key";
import { signCommand, type CommandRequest } from "../../../host/commands/sign-command";
import { generateKey } from "../../../host/keys/key-files";
import { createNodeCrypto } from "../../../sim/crypto/node-crypto";
import { deviceFlash } from "../config/flash-fixture";

const NOW = 1_790_000_000;
const crypto = createNodeCrypto();
const trusted = generateKey("ed25519", "bench technician");
const stranger = generateKey("ed25519", "someone else");
const technician = parseTechnicianKey(trusted.privatePem, "trusted");
const outsider = parseTechnicianKey(stranger.privatePem, "stranger");

function rig(now = () => NOW) {
  const { storage } = deviceFlash();
  const keys = new TrustStore(crypto);
  keys.add(parsePublicKeyFile(trusted.publicFile));
  const store = () => new RecordStore(storage.open({ path: "otaprog" }), 6);
  const guard = new ReplayGuard(store(), now);
  const authenticator = new CommandAuthenticator({ crypto, keys, guard, deviceId: "fn-007", now });
  const check = (envelope: string) => authenticator.authenticate(new TextEncoder().encode(envelope));
  return { check, guard, keys, store, rebooted: () => new CommandAuthenticator({ crypto, keys, guard: new ReplayGuard(store(), now), deviceId: "fn-007", now }) };
}

const request = (overrides: Partial<CommandRequest> = {}): CommandRequest => ({ device: "fn-007", command: "reboot", args: {}, issued: NOW - 10, ...overrides });

describe("CommandAuthenticator", () => {
  it("accepts a command signed by a trusted technician key, for this device, in time", () => {
    const { check } = rig();
    const signed = signCommand(technician, request());
    expect(check(signed.envelope)).toEqual({ ok: true, command: signed.body, keyId: technician.keyIdHex });
  });

  it("refuses an unsigned command as malformed", () => {
    const { check } = rig();
    const result = check(JSON.stringify({ format: "fieldnode-command", version: 1, keyId: technician.keyIdHex, body: JSON.stringify(request()) }));
    expect(result).toMatchObject({ ok: false, reason: "malformed" });
  });

  it("refuses a command whose body was changed after signing (forgery)", () => {
    const { check } = rig();
    const signed = signCommand(technician, request({ command: "config.set", args: { section: "telemetry", values: { interval: 60000 } } }));
    const envelope = parseEnvelope(signed.envelope);
    if (!envelope.ok) throw new Error("unreadable envelope");
    const forged = envelope.value.body.replace("60000", "1000");
    expect(check(formatEnvelope(envelope.value.keyId, forged, envelope.value.signature))).toMatchObject({ ok: false, reason: "bad-signature" });
  });

  it("refuses a command signed by a key the device does not trust", () => {
    const { check } = rig();
    const signed = signCommand(outsider, request());
    // The answer names the command it claims to be, so the sender can match it; nothing else is believed.
    expect(check(signed.envelope)).toMatchObject({ ok: false, reason: "unknown-key", keyId: outsider.keyIdHex, command: { nonce: signed.nonce } });
  });

  it("refuses a command for another device", () => {
    const { check } = rig();
    expect(check(signCommand(technician, request({ device: "fn-008" })).envelope)).toMatchObject({ ok: false, reason: "wrong-device" });
  });

  it("refuses an expired command", () => {
    const { check } = rig();
    expect(check(signCommand(technician, request({ issued: NOW - 700, lifetimeS: 600 })).envelope)).toMatchObject({ ok: false, reason: "expired" });
  });

  it("refuses a command issued more than five minutes ahead of the device clock", () => {
    const { check } = rig();
    expect(check(signCommand(technician, request({ issued: NOW + 301 })).envelope)).toMatchObject({ ok: false, reason: "not-yet-valid" });
  });

  it("refuses every command while the device clock is not set", () => {
    const { check } = rig(() => 1000);
    expect(check(signCommand(technician, request()).envelope)).toMatchObject({ ok: false, reason: "clock-not-set" });
  });

  it("refuses the same command a second time (replay)", () => {
    const { check } = rig();
    const signed = signCommand(technician, request());
    expect(check(signed.envelope).ok).toBe(true);
    expect(check(signed.envelope)).toMatchObject({ ok: false, reason: "replayed", command: { nonce: signed.nonce } });
  });

  it("still refuses a replay after a reboot: the nonce is in flash", () => {
    const { check, rebooted } = rig();
    const signed = signCommand(technician, request());
    expect(check(signed.envelope).ok).toBe(true);
    expect(rebooted().authenticate(new TextEncoder().encode(signed.envelope))).toMatchObject({ ok: false, reason: "replayed" });
  });

  it("refuses a command signed with a key revoked on the device", () => {
    const { check, guard } = rig();
    guard.revoke(technician.keyIdHex);
    expect(check(signCommand(technician, request()).envelope)).toMatchObject({ ok: false, reason: "revoked-key" });
  });

  it("refuses a command longer than 2048 bytes unread", () => {
    const { check } = rig();
    expect(check("x".repeat(2049))).toMatchObject({ ok: false, reason: "too-large" });
  });
});

describe("ReplayGuard", () => {
  it("keeps refusing a forgotten nonce: the floor rises past the oldest one it drops", () => {
    const { guard } = rig();
    for (let i = 0; i <= NONCE_SLOTS; i++) guard.remember(i.toString(16).padStart(32, "0"), NOW + 100 + i, NOW);
    // Slot 0 (expires NOW + 100) was dropped: it is refused by the floor, not by memory.
    expect(guard.floor).toBe(NOW + 100);
    expect(guard.seen("0".repeat(32), NOW - 10, NOW + 100)).toBe(true);
    expect(guard.seen("f".repeat(32), NOW - 10, NOW + 101)).toBe(false);
  });

  it("forgets nonces once their commands have expired", () => {
    const { guard, store } = rig();
    guard.remember("a".repeat(32), NOW + 10, NOW);
    guard.remember("b".repeat(32), NOW + 500, NOW + 20);
    const record = JSON.parse(new TextDecoder().decode(store().load()!.payload)) as { nonces: unknown[] };
    expect(record.nonces).toEqual([["b".repeat(32), NOW + 500]]);
  });
});
