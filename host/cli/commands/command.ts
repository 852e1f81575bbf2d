/**
 * `fieldnode command reboot|config|revoke-key`: the signed commands other
 * than an update, sent to one device over MQTT, with the
 * device's answer printed. See USAGE.
 */
import type { CommandName } from "../../../firmware/commands/command-format";
import { signCommand } from "../../commands/sign-command";
import { sendCommand } from "../../commands/send-command";
import { parsePublicKeyText, KeyFileError } from "../../keys/key-files";
import { CliError, EXIT, type Command } from "../command";
import { registerCommand } from "../main";
import { silenceHint } from "./ota-push";
import { BROKER_OPTIONS, BROKER_USAGE, brokerOption, deviceOption, loadTechnicianKey, prefixOption, secondsOption, withDevices } from "./ota-shared";
import { parseCommandLine, readInput } from "./parse-options";

const USAGE = `usage: fieldnode command reboot     --device ID --key TECHNICIAN.pem [options]
       fieldnode command config     --device ID --key TECHNICIAN.pem --section S (--set NAME=VALUE ... | --values JSON) [--reboot]
       fieldnode command revoke-key --device ID --key TECHNICIAN.pem (--key-id HEX | --pub KEY.pub)

Signs a command with the technician key, publishes it to <prefix>/ID/cmd and
prints the device's answer (accepted, or refused with the reason).

  reboot             restart the device
  config             change settings: --section telemetry|sensors|modbus, with
                       --set NAME=VALUE   one setting (repeat; VALUE is JSON when it parses
                                          as JSON, else a string: --set interval=5000)
                       --values JSON      several at once: --values '{"interval":5000}'
                       --reboot           restart once saved, to apply them now (else they
                                          apply at the next restart)
  revoke-key         stop obeying a technician key: --key-id (16 hex digits) or --pub (its
                     .pub or PEM file). A device refuses to revoke the last key it trusts.

  --device ID        the device
  --key FILE         the technician's Ed25519 private key
  --timeout S        seconds to wait for the answer (default 30)
${BROKER_USAGE}
  --json             print the device's answer as JSON

Exit: 0 accepted, 1 refused, 2 bad command line, 3 broker unreachable or no answer.
`;

const SECTIONS = ["telemetry", "sensors", "modbus"] as const;

interface Built {
  command: CommandName;
  args: Record<string, unknown>;
}

/** `--set NAME=VALUE` pairs into an object; VALUE as JSON when it is JSON. */
export function parseSettings(pairs: readonly string[]): Record<string, unknown> {
  const values: Record<string, unknown> = {};
  for (const pair of pairs) {
    const eq = pair.indexOf("=");
    if (eq <= 0) throw new CliError(`--set "${pair}" is not NAME=VALUE`, EXIT.usage);
    const name = pair.slice(0, eq);
    const text = pair.slice(eq + 1);
    let value: unknown = text;
    try {
      value = JSON.parse(text);
    } catch {
      // Not JSON: a plain string, so --set broker=mqtt://host:1883 needs no quoting.
    }
    values[name] = value;
  }
  return values;
}

function buildConfig(values: { section?: string; set?: string[]; values?: string; reboot?: boolean }): Built {
  const section = values.section;
  if (section === undefined || !(SECTIONS as readonly string[]).includes(section)) {
    throw new CliError(`config needs --section ${SECTIONS.join("|")}${section === undefined ? "" : `, got "${section}"`}`, EXIT.usage);
  }
  let settings: Record<string, unknown> = {};
  if (values.values !== undefined) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(values.values);
    } catch {
      throw new CliError(`--values is not JSON: ${values.values}`, EXIT.usage);
    }
    if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) throw new CliError("--values must be a JSON object of settings", EXIT.usage);
    settings = parsed as Record<string, unknown>;
  }
  settings = { ...settings, ...parseSettings(values.set ?? []) };
  if (Object.keys(settings).length === 0) throw new CliError("config needs at least one --set NAME=VALUE or --values JSON", EXIT.usage);
  return { command: "config.set", args: { section, values: settings, ...(values.reboot === true ? { reboot: true } : {}) } };
}

function buildRevoke(values: { "key-id"?: string; pub?: string }): Built {
  if ((values["key-id"] === undefined) === (values.pub === undefined)) throw new CliError("revoke-key needs exactly one of --key-id HEX or --pub KEY.pub", EXIT.usage);
  if (values["key-id"] !== undefined) {
    const id = values["key-id"].toLowerCase();
    if (!/^[0-9a-f]{16}$/.test(id)) throw new CliError(`--key-id takes the 16 hex digits of a key id, got "${values["key-id"]}"`, EXIT.usage);
    return { command: "key.revoke", args: { keyId: id } };
  }
  try {
    return { command: "key.revoke", args: { keyId: parsePublicKeyText(readInput(values.pub!, "public key").toString("utf8"), values.pub!).keyIdHex } };
  } catch (error) {
    if (error instanceof KeyFileError) throw new CliError(error.message, EXIT.usage);
    throw error;
  }
}

export const commandCommand: Command = {
  name: "command",
  summary: "send a signed reboot, config or revoke-key command to a device (MQTT)",
  usage: USAGE,
  async run(argv, io) {
    const [sub, ...rest] = argv;
    const { values } = parseCommandLine("command", {
      args: rest,
      options: {
        device: { type: "string" },
        key: { type: "string" },
        timeout: { type: "string" },
        section: { type: "string" },
        set: { type: "string", multiple: true },
        values: { type: "string" },
        "key-id": { type: "string" },
        pub: { type: "string" },
        reboot: { type: "boolean" },
        ...BROKER_OPTIONS,
      },
      allowPositionals: false,
      strict: true,
    });
    const only = (allowed: readonly string[]): void => {
      const extra = ["section", "set", "values", "reboot", "key-id", "pub"].filter((f) => values[f as keyof typeof values] !== undefined && !allowed.includes(f));
      if (extra.length > 0) throw new CliError(`${sub} takes no ${extra.map((f) => `--${f}`).join(", ")}; see 'fieldnode command --help'`, EXIT.usage);
    };
    let built: Built;
    if (sub === "reboot") {
      only([]);
      built = { command: "reboot", args: {} };
    } else if (sub === "config") {
      only(["section", "set", "values", "reboot"]);
      built = buildConfig(values);
    } else if (sub === "revoke-key") {
      only(["key-id", "pub"]);
      built = buildRevoke(values);
    } else {
      throw new CliError(`${sub === undefined ? "name a command" : `unknown command "${sub}"`}: reboot, config or revoke-key; see 'fieldnode command --help'`, EXIT.usage);
    }
    const device = deviceOption("command", values.device);
    const broker = brokerOption("command", values.broker);
    const prefix = prefixOption(values.prefix);
    const timeoutS = secondsOption("command", "--timeout", values.timeout, 30);
    const key = loadTechnicianKey("command", values.key);
    const signed = signCommand(key, { device, command: built.command, args: built.args });
    const { result, view } = await withDevices(broker, prefix, [device], timeoutS, async (connection, watch) => ({
      result: await sendCommand(connection, watch, signed, timeoutS * 1000),
      view: watch.get(device),
    }));
    if (result === undefined) throw new CliError(`${device} did not answer ${built.command} within ${timeoutS} s; ${silenceHint(view, prefix)}`, EXIT.io);
    if (values.json === true) io.stdout(`${JSON.stringify({ device, ...result })}\n`);
    else if (result.result === "accepted") io.stdout(`${device} accepted ${built.command}${result.message === "" ? "" : `: ${result.message}`}\n`);
    else io.stdout(`${device} refused ${built.command}: ${result.reason ?? "refused"}: ${result.message}\n`);
    return result.result === "accepted" ? EXIT.ok : EXIT.failed;
  },
};

registerCommand(commandCommand);
