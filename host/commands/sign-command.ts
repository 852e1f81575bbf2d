/**
 * Builds and signs one technician command (firmware/commands/command-format.ts
 * defines the wire form; this is its only producer on the host side).
 */
import { randomBytes } from "node:crypto";
import nacl from "tweetnacl";
import {
  formatEnvelope,
  MAX_COMMAND_LIFETIME_S,
  signedMessage,
  type CommandBody,
  type CommandName,
} from "../../firmware/commands/command-format";
import type { TechnicianKey } from "./technician-key";

/** How long a command stays valid by default: long enough for a slow broker, short enough that a captured copy is soon useless. */
export const DEFAULT_COMMAND_LIFETIME_S = 600;

export interface CommandRequest {
  readonly device: string;
  readonly command: CommandName;
  readonly args: Readonly<Record<string, unknown>>;
  /** Issue time, Unix seconds (default: now). */
  readonly issued?: number;
  /** Seconds until it expires (default DEFAULT_COMMAND_LIFETIME_S, at most MAX_COMMAND_LIFETIME_S). */
  readonly lifetimeS?: number;
  /** 32 lowercase hex digits (default: 16 fresh random bytes); tests fix it. */
  readonly nonce?: string;
}

export interface SignedCommand {
  /** What to publish on `<prefix>/<device>/cmd`. */
  readonly envelope: string;
  readonly body: CommandBody;
  /** The body exactly as signed. */
  readonly bodyText: string;
  readonly nonce: string;
}

const encoder = new TextEncoder();

export function signCommand(key: TechnicianKey, request: CommandRequest): SignedCommand {
  const lifetime = request.lifetimeS ?? DEFAULT_COMMAND_LIFETIME_S;
  if (!Number.isInteger(lifetime) || lifetime < 1 || lifetime > MAX_COMMAND_LIFETIME_S) {
    throw new RangeError(`a command lifetime must be 1 to ${MAX_COMMAND_LIFETIME_S} s (devices refuse longer ones), got ${lifetime}`);
  }
  const nonce = request.nonce ?? randomBytes(16).toString("hex");
  if (!/^[0-9a-f]{32}$/.test(nonce)) throw new RangeError(`a nonce is 32 lowercase hex digits, got "${nonce}"`);
  const issued = request.issued ?? Math.floor(Date.now() / 1000);
  const body: CommandBody = { device: request.device, command: request.command, nonce, issued, expires: issued + lifetime, args: request.args };
  const bodyText = JSON.stringify(body);
  const signature = nacl.sign.detached(signedMessage(bodyText, (text) => encoder.encode(text)), key.secretKey);
  return { envelope: formatEnvelope(key.keyIdHex, bodyText, signature), body, bodyText, nonce };
}
