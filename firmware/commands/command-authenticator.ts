import { decodeUtf8, encodeUtf8 } from "../core/utf8";
import type { CryptoPort } from "../crypto/crypto-port";
import { fromHex } from "../crypto/hex";
import type { TrustStore } from "../ota/trust-store";
import {
  EARLIEST_VALID_TIME_S,
  MAX_CLOCK_SKEW_S,
  MAX_COMMAND_BYTES,
  MAX_COMMAND_LIFETIME_S,
  parseBody,
  parseEnvelope,
  signedMessage,
  type CommandBody,
  type CommandRefusal,
} from "./command-format";
import type { ReplayGuard } from "./replay-guard";

export type Authentication =
  | { readonly ok: true; readonly command: CommandBody; readonly keyId: string }
  | { readonly ok: false; readonly reason: CommandRefusal; readonly message: string; readonly command?: CommandBody; readonly keyId?: string };

export interface AuthenticatorOptions {
  crypto: CryptoPort;
  /** Technician keys (Ed25519) this build trusts. */
  keys: TrustStore;
  guard: ReplayGuard;
  deviceId: string;
  /** Wall clock, Unix seconds. */
  now: () => number;
}

/**
 * Decides whether a command came from a trusted technician, for this device,
 * now, and for the first time. The signature is checked before anything in
 * the body is believed; the nonce is remembered before the command runs.
 */
export class CommandAuthenticator {
  readonly #o: AuthenticatorOptions;

  constructor(options: AuthenticatorOptions) {
    this.#o = options;
  }

  authenticate(payload: Uint8Array): Authentication {
    if (payload.length > MAX_COMMAND_BYTES) return { ok: false, reason: "too-large", message: `command of ${payload.length} bytes exceeds ${MAX_COMMAND_BYTES}` };
    let text: string;
    try {
      text = decodeUtf8(payload);
    } catch {
      return { ok: false, reason: "malformed", message: "the command is not UTF-8" };
    }
    const envelope = parseEnvelope(text);
    if (!envelope.ok) return envelope;
    const { keyId, body, signature } = envelope.value;
    const o = this.#o;
    // Before the signature is checked nothing in the body is believed; a
    // refusal still names the command it claims to be, so the sender can
    // match the answer to what it sent.
    const unverified = (reason: CommandRefusal, message: string): Authentication => {
      const claimed = parseBody(body);
      return { ok: false, reason, message, keyId, ...(claimed.ok ? { command: claimed.value } : {}) };
    };
    if (o.guard.revoked.includes(keyId)) return unverified("revoked-key", `technician key ${keyId} was revoked on this device`);
    const lookup = o.keys.lookup(fromHex(keyId)!);
    if (lookup.status === "revoked") return unverified("revoked-key", `technician key ${keyId} is revoked`);
    if (lookup.status === "unknown" || lookup.key.algorithm !== "ed25519") return unverified("unknown-key", `technician key ${keyId} is not trusted by this device`);
    if (!o.crypto.verify("ed25519", lookup.key.publicKey, signedMessage(body, encodeUtf8), signature)) {
      return unverified("bad-signature", `the signature does not verify under technician key ${keyId}`);
    }
    const parsed = parseBody(body);
    if (!parsed.ok) return { ...parsed, keyId };
    const command = parsed.value;
    const refuse = (reason: CommandRefusal, message: string): Authentication => ({ ok: false, reason, message, command, keyId });
    if (command.device !== o.deviceId) return refuse("wrong-device", `the command is for ${command.device}, this is ${o.deviceId}`);
    const now = o.now();
    if (now < EARLIEST_VALID_TIME_S) return refuse("clock-not-set", "this device's clock is not set (no SNTP yet), so it cannot check expiry");
    if (command.expires - command.issued > MAX_COMMAND_LIFETIME_S || command.expires < command.issued) {
      return refuse("lifetime-too-long", `a command may be valid for at most ${MAX_COMMAND_LIFETIME_S} s`);
    }
    if (command.issued > now + MAX_CLOCK_SKEW_S) return refuse("not-yet-valid", `issued ${command.issued - now} s in the future by this device's clock`);
    if (command.expires <= now) return refuse("expired", `expired ${now - command.expires} s ago`);
    if (o.guard.seen(command.nonce, command.issued, command.expires)) return refuse("replayed", `nonce ${command.nonce} was already used`);
    o.guard.remember(command.nonce, command.expires, now);
    return { ok: true, command, keyId };
  }
}
