import { encodeUtf8 } from "../core/utf8";
import type { CommandAuthenticator } from "./command-authenticator";
import type { CommandBody, CommandName, CommandRefusal, CommandResult } from "./command-format";
import { MAX_COMMAND_BYTES } from "./command-format";

/** What a command's handler says: it was taken on (the work may go on, e.g. an update), or refused. */
export type HandlerResult = { readonly ok: true; readonly message: string } | { readonly ok: false; readonly reason: CommandRefusal; readonly message: string };

export type CommandHandler = (command: CommandBody) => HandlerResult;

export interface CommandChannelOptions {
  authenticator: CommandAuthenticator;
  handlers: Readonly<Record<CommandName, CommandHandler>>;
  /** Publishes a result (JSON) on the device's status topic. */
  publish: (payload: Uint8Array) => void;
  log: (line: string) => void;
}

/**
 * The device end of the technician command topic: every message is
 * authenticated, then handed to its handler, and every outcome, refusals
 * above all, is published on the status topic and logged, so a technician
 * (and an auditor) sees why a device did or did not act.
 */
export class CommandChannel {
  readonly #o: CommandChannelOptions;
  /** Commands accepted and refused since boot. */
  readonly counters = { accepted: 0, refused: 0 };

  constructor(options: CommandChannelOptions) {
    this.#o = options;
  }

  /** A message from the command topic; `complete` is false when the link had to cut it. */
  receive(payload: Uint8Array, complete: boolean): CommandResult {
    if (!complete) return this.#report({ type: "command", result: "refused", reason: "too-large", message: `a command may be at most ${MAX_COMMAND_BYTES} bytes` });
    const authentication = this.#o.authenticator.authenticate(payload);
    if (!authentication.ok) {
      const { command, keyId, reason, message } = authentication;
      return this.#report({
        type: "command",
        result: "refused",
        ...(command ? { command: command.command, nonce: command.nonce } : {}),
        ...(keyId ? { keyId } : {}),
        reason,
        message,
      });
    }
    const { command, keyId } = authentication;
    let outcome: HandlerResult;
    try {
      outcome = this.#o.handlers[command.command](command);
    } catch (error) {
      outcome = { ok: false, reason: "failed", message: error instanceof Error ? error.message : String(error) };
    }
    const base = { type: "command" as const, command: command.command, nonce: command.nonce, keyId };
    return this.#report(outcome.ok ? { ...base, result: "accepted", message: outcome.message } : { ...base, result: "refused", reason: outcome.reason, message: outcome.message });
  }

  #report(result: CommandResult): CommandResult {
    if (result.result === "accepted") this.counters.accepted++;
    else this.counters.refused++;
    const what = result.command !== undefined ? `${result.command} (nonce ${result.nonce!.slice(0, 8)}…, key ${result.keyId})` : "a command";
    this.#o.log(result.result === "accepted" ? `command: accepted ${what}: ${result.message}` : `command: refused ${what}: ${result.reason}: ${result.message}`);
    this.#o.publish(encodeUtf8(JSON.stringify(result)));
    return result;
  }
}
