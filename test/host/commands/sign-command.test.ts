import nacl from "tweetnacl";
import { describe, expect, it } from "vitest";
import { COMMAND_CONTEXT, parseBody, parseEnvelope } from "../../../firmware/commands/command-format";
import { signCommand } from "../../../host/commands/sign-command";
import { NOT_ED25519, parseTechnicianKey } from "../../../host/commands/technician-key";
import { generateKey, KeyFileError } from "../../../host/keys/key-files";

const generated = generateKey("ed25519", "test technician");
const key = parseTechnicianKey(generated.privatePem, "technician.pem");
const NONCE = "00112233445566778899aabbccddeeff";
const request = { device: "node-7", command: "reboot" as const, args: {}, issued: 1_750_000_000, lifetimeS: 300, nonce: NONCE };

describe("technician key", () => {
  it("has the key id fieldnode keygen printed for it", () => {
    expect(key.keyIdHex).toBe(generated.keyIdHex);
  });

  it("refuses a P-256 key, saying how to make an Ed25519 one", () => {
    expect(() => parseTechnicianKey(generateKey("p256").privatePem, "ops.pem")).toThrow(new KeyFileError(`ops.pem is an ECDSA P-256 key; ${NOT_ED25519}`));
  });
});

describe("signCommand", () => {
  it("signs COMMAND_CONTEXT + body with the technician key (tweetnacl verifies it)", () => {
    const signed = signCommand(key, request);
    const envelope = JSON.parse(signed.envelope) as { signature: string; body: string };
    const message = new TextEncoder().encode(COMMAND_CONTEXT + envelope.body);
    expect(nacl.sign.detached.verify(message, Buffer.from(envelope.signature, "hex"), key.publicKey)).toBe(true);
  });

  it("writes the envelope the device parser reads back, field for field", () => {
    const signed = signCommand(key, request);
    const envelope = parseEnvelope(signed.envelope);
    expect(envelope.ok && envelope.value.keyId).toBe(key.keyIdHex);
    expect(envelope.ok && envelope.value.body).toBe(signed.bodyText);
    const body = envelope.ok ? parseBody(envelope.value.body) : undefined;
    expect(body).toEqual({ ok: true, value: { device: "node-7", command: "reboot", nonce: NONCE, issued: 1_750_000_000, expires: 1_750_000_300, args: {} } });
  });

  it("carries ota.start arguments unchanged", () => {
    const args = { url: "http://10.0.0.2:8070/fw.bin", version: "2.1.0", sha256: "ab".repeat(32), allowDowngrade: true };
    const signed = signCommand(key, { ...request, command: "ota.start", args });
    expect(JSON.parse(signed.bodyText)).toMatchObject({ command: "ota.start", args });
  });

  it("makes a fresh 16-byte nonce per command", () => {
    const a = signCommand(key, { device: "d", command: "reboot", args: {} });
    const b = signCommand(key, { device: "d", command: "reboot", args: {} });
    expect(a.nonce).toMatch(/^[0-9a-f]{32}$/);
    expect(a.nonce).not.toBe(b.nonce);
  });

  it("does not verify once the body is altered after signing", () => {
    const signed = signCommand(key, request);
    const envelope = JSON.parse(signed.envelope) as { signature: string; body: string };
    const forged = envelope.body.replace("node-7", "node-8");
    expect(nacl.sign.detached.verify(new TextEncoder().encode(COMMAND_CONTEXT + forged), Buffer.from(envelope.signature, "hex"), key.publicKey)).toBe(false);
  });

  it("refuses a lifetime devices would refuse", () => {
    expect(() => signCommand(key, { ...request, lifetimeS: 3601 })).toThrow("a command lifetime must be 1 to 3600 s (devices refuse longer ones), got 3601");
  });
});
