/**
 * Signed technician commands: the one definition the device and the
 * `fieldnode` tools share (docs/commands.md explains it field by field).
 *
 * On the wire (the MQTT topic `<prefix>/<device-id>/cmd`) a command is a
 * small JSON envelope:
 *
 *   { "format": "fieldnode-command", "version": 1,
 *     "keyId": "<16 hex: the technician key>",
 *     "body": "<the command, itself JSON, as a string>",
 *     "signature": "<128 hex: Ed25519 over COMMAND_CONTEXT + body>" }
 *
 * The body is signed as the exact bytes sent, so no JSON canonicalisation can
 * make the tool and the device disagree about what was signed; the context
 * prefix keeps a command signature from ever being valid as anything else.
 * The body names the device, a fresh random nonce, when it was issued and
 * when it expires (Unix seconds), the command and its arguments.
 */
import { fromHex } from "../crypto/hex";

export const COMMAND_FORMAT = "fieldnode-command";
export const COMMAND_FORMAT_VERSION = 1;
/** Prefixed to the body before signing (domain separation). */
export const COMMAND_CONTEXT = "fieldnode-command-v1\n";
/** Largest envelope a device takes; anything longer is refused unread. */
export const MAX_COMMAND_BYTES = 2048;
/** A command may not be valid for longer than this, s: it bounds how long a nonce must be remembered. */
export const MAX_COMMAND_LIFETIME_S = 3600;
/** How far a command's issue time may be ahead of the device's clock, s. */
export const MAX_CLOCK_SKEW_S = 300;
/** Before this (2024-01-01) a device clock has not been set. */
export const EARLIEST_VALID_TIME_S = 1_704_067_200;

export const COMMAND_NAMES = ["ota.start", "reboot", "config.set", "key.revoke"] as const;
export type CommandName = (typeof COMMAND_NAMES)[number];

export interface CommandBody {
  /** The one device this command is for (no wildcards: a captured command cannot be aimed elsewhere). */
  readonly device: string;
  readonly command: CommandName;
  /** 16 random bytes, hex: with the expiry, what makes every command single-use. */
  readonly nonce: string;
  /** Unix seconds. */
  readonly issued: number;
  readonly expires: number;
  readonly args: Readonly<Record<string, unknown>>;
}

export interface CommandEnvelope {
  readonly keyId: string;
  /** The body exactly as signed. */
  readonly body: string;
  readonly signature: Uint8Array;
}

/**
 * Why a device refused a command: stable words, reported on the device's
 * status topic and by the tools. Never rename, only append.
 */
export const COMMAND_REFUSALS = [
  "malformed",
  "too-large",
  "unknown-key",
  "revoked-key",
  "bad-signature",
  "wrong-device",
  "clock-not-set",
  "not-yet-valid",
  "expired",
  "lifetime-too-long",
  "replayed",
  "unknown-command",
  "bad-arguments",
  "busy",
  "failed",
] as const;
export type CommandRefusal = (typeof COMMAND_REFUSALS)[number];

/** What the device publishes (not retained) on `<prefix>/<id>/status` for every command it reads. */
export interface CommandResult {
  readonly type: "command";
  readonly result: "accepted" | "refused";
  /** Present once the body could be read. */
  readonly command?: string;
  readonly nonce?: string;
  readonly keyId?: string;
  readonly reason?: CommandRefusal;
  readonly message: string;
}

export type Parsed<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly reason: CommandRefusal; readonly message: string };

function refuse<T>(reason: CommandRefusal, message: string): Parsed<T> {
  return { ok: false, reason, message };
}

export function formatEnvelope(keyId: string, body: string, signature: Uint8Array): string {
  let hex = "";
  for (let i = 0; i < signature.length; i++) hex += (signature[i]! < 16 ? "0" : "") + signature[i]!.toString(16);
  return JSON.stringify({ format: COMMAND_FORMAT, version: COMMAND_FORMAT_VERSION, keyId, body, signature: hex });
}

export function parseEnvelope(text: string): Parsed<CommandEnvelope> {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return refuse("malformed", "the command is not JSON");
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) return refuse("malformed", "the command is not a JSON object");
  const fields = value as Record<string, unknown>;
  if (fields.format !== COMMAND_FORMAT) return refuse("malformed", `"format" is not "${COMMAND_FORMAT}"`);
  if (fields.version !== COMMAND_FORMAT_VERSION) return refuse("malformed", `command format version ${String(fields.version)} is not supported (expected ${COMMAND_FORMAT_VERSION})`);
  if (typeof fields.keyId !== "string" || !/^[0-9a-f]{16}$/.test(fields.keyId)) return refuse("malformed", `"keyId" must be 16 lowercase hex digits`);
  if (typeof fields.body !== "string") return refuse("malformed", `"body" must be a string`);
  const signature = typeof fields.signature === "string" ? fromHex(fields.signature) : undefined;
  if (signature === undefined || signature.length !== 64) return refuse("malformed", `"signature" must be 64 bytes of hex`);
  return { ok: true, value: { keyId: fields.keyId, body: fields.body, signature } };
}

/** Reads a body whose signature has already been checked. */
export function parseBody(text: string): Parsed<CommandBody> {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return refuse("malformed", "the command body is not JSON");
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) return refuse("malformed", "the command body is not a JSON object");
  const f = value as Record<string, unknown>;
  if (typeof f.device !== "string" || f.device === "") return refuse("malformed", `"device" must name the device`);
  if (typeof f.nonce !== "string" || !/^[0-9a-f]{32}$/.test(f.nonce)) return refuse("malformed", `"nonce" must be 32 lowercase hex digits`);
  if (!Number.isInteger(f.issued) || !Number.isInteger(f.expires)) return refuse("malformed", `"issued" and "expires" must be whole Unix seconds`);
  if (typeof f.command !== "string") return refuse("malformed", `"command" must be a string`);
  if (!(COMMAND_NAMES as readonly string[]).includes(f.command)) {
    return refuse("unknown-command", `unknown command "${f.command}"; this firmware knows ${COMMAND_NAMES.join(", ")}`);
  }
  const args = f.args ?? {};
  if (typeof args !== "object" || args === null || Array.isArray(args)) return refuse("malformed", `"args" must be a JSON object`);
  return {
    ok: true,
    value: {
      device: f.device,
      command: f.command as CommandName,
      nonce: f.nonce,
      issued: f.issued as number,
      expires: f.expires as number,
      args: args as Record<string, unknown>,
    },
  };
}

/** The bytes a technician key signs for `body`. */
export function signedMessage(body: string, encode: (text: string) => Uint8Array): Uint8Array {
  return encode(COMMAND_CONTEXT + body);
}
