/**
 * Reads what a device published on its status topic. The topic carries two
 * kinds of message: the retained plain strings "online"/"offline" (its last
 * will) and, for every command it read, a CommandResult as JSON.
 */
import type { CommandRefusal, CommandResult } from "../../firmware/commands/command-format";

export type StatusMessage = { readonly kind: "presence"; readonly online: boolean } | { readonly kind: "result"; readonly result: CommandResult } | { readonly kind: "other" };

function optionalString(value: unknown): string | undefined {
  return typeof value === "string" ? value : undefined;
}

export function parseStatusMessage(payload: string): StatusMessage {
  if (payload === "online" || payload === "offline") return { kind: "presence", online: payload === "online" };
  let value: unknown;
  try {
    value = JSON.parse(payload);
  } catch {
    return { kind: "other" };
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) return { kind: "other" };
  const f = value as Record<string, unknown>;
  if (f.type !== "command" || (f.result !== "accepted" && f.result !== "refused")) return { kind: "other" };
  const reason = optionalString(f.reason);
  const result: CommandResult = {
    type: "command",
    result: f.result,
    message: optionalString(f.message) ?? "",
    ...(optionalString(f.command) !== undefined ? { command: f.command as string } : {}),
    ...(optionalString(f.nonce) !== undefined ? { nonce: f.nonce as string } : {}),
    ...(optionalString(f.keyId) !== undefined ? { keyId: f.keyId as string } : {}),
    // A reason newer than these tools is still shown: the list only grows.
    ...(reason !== undefined ? { reason: reason as CommandRefusal } : {}),
  };
  return { kind: "result", result };
}

