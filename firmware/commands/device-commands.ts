import type { SettingsSection, Settings } from "../config/settings";
import type { TimerService } from "../host/timer";
import type { OtaClient } from "../ota/ota-client";
import type { TrustStore } from "../ota/trust-store";
import type { CommandHandler } from "./command-channel";
import type { CommandBody, CommandName } from "./command-format";
import type { ReplayGuard } from "./replay-guard";

export interface DeviceCommandParts {
  ota: OtaClient;
  restart: () => void;
  timer: TimerService;
  settings: Settings;
  /** The settings sections a technician may change remotely, by name. */
  sections: Readonly<Record<string, SettingsSection<unknown>>>;
  guard: ReplayGuard;
  technicianKeys: TrustStore;
  /** Told which command is starting an update, before it starts, so its first status can name it; returns the name it replaces. */
  nameUpdate: (nonce: string | null) => string | null;
  /** Told once the update has started. */
  onUpdateStarted: (nonce: string, version: string) => void;
  /** Between accepting a reboot and restarting, for the result to get out, ms. */
  restartDelayMs?: number;
}

const HEX64 = /^[0-9a-f]{64}$/;

/** The handlers behind each signed command. Arguments are checked here; authentication happened before. */
export function deviceCommands(parts: DeviceCommandParts): Record<CommandName, CommandHandler> {
  const restartSoon = (): void => {
    parts.timer.set(() => parts.restart(), parts.restartDelayMs ?? 1_000);
  };
  return {
    "ota.start": (command: CommandBody) => {
      const { url, version, sha256, allowDowngrade } = command.args;
      if (typeof url !== "string" || typeof version !== "string" || typeof sha256 !== "string" || !HEX64.test(sha256)) {
        return { ok: false, reason: "bad-arguments", message: `ota.start needs "url", "version" and "sha256" (64 lowercase hex digits)` };
      }
      if (allowDowngrade !== undefined && typeof allowDowngrade !== "boolean") return { ok: false, reason: "bad-arguments", message: `"allowDowngrade" must be true or false` };
      const named = parts.nameUpdate(command.nonce);
      const failure = parts.ota.startDownload({ url, expectVersion: version, expectSha256: sha256, allowDowngrade: allowDowngrade === true });
      if (failure === undefined) parts.onUpdateStarted(command.nonce, version);
      else parts.nameUpdate(named);
      if (failure !== undefined) {
        return { ok: false, reason: failure.code === "BUSY" || failure.code === "NOT_CONFIRMED" ? "busy" : "bad-arguments", message: `${failure.code}: ${failure.message}` };
      }
      return { ok: true, message: `downloading ${version} from ${url}` };
    },
    reboot: () => {
      restartSoon();
      return { ok: true, message: `restarting in ${(parts.restartDelayMs ?? 1_000) / 1000} s` };
    },
    "config.set": (command: CommandBody) => {
      const { section: name, values, reboot } = command.args;
      const section = typeof name === "string" ? parts.sections[name] : undefined;
      if (section === undefined) {
        return { ok: false, reason: "bad-arguments", message: `"section" must be one of ${Object.keys(parts.sections).join(", ")}` };
      }
      if (typeof values !== "object" || values === null || Array.isArray(values)) return { ok: false, reason: "bad-arguments", message: `"values" must be a JSON object` };
      if (parts.ota.busy) return { ok: false, reason: "busy", message: "an update is in progress; try again when it is over" };
      const current = parts.settings.get(section) as Record<string, unknown>;
      let merged: unknown;
      try {
        merged = section.validate({ ...current, ...values });
      } catch (error) {
        return { ok: false, reason: "bad-arguments", message: `${name}: ${error instanceof Error ? error.message : String(error)}` };
      }
      parts.settings.set(section, merged);
      if (reboot === true) restartSoon();
      return { ok: true, message: `${name} saved (record ${parts.settings.sequence}); ${reboot === true ? "restarting to apply it" : "applies after the next restart"}` };
    },
    "key.revoke": (command: CommandBody) => {
      const { keyId } = command.args;
      if (typeof keyId !== "string" || !/^[0-9a-f]{16}$/.test(keyId)) return { ok: false, reason: "bad-arguments", message: `"keyId" must be 16 lowercase hex digits` };
      const remaining = parts.technicianKeys.keys.filter((key) => key.keyIdHex !== keyId && !parts.guard.revoked.includes(key.keyIdHex));
      if (remaining.length === 0) {
        return { ok: false, reason: "bad-arguments", message: `${keyId} is the last technician key this device trusts; revoking it would lock every technician out` };
      }
      parts.guard.revoke(keyId);
      return { ok: true, message: `technician key ${keyId} revoked; ${remaining.length} still trusted` };
    },
  };
}
