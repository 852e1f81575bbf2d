/**
 * `fieldnode ota push|status|rollout`: the technician's over-the-air update
 * tools, over the devices' MQTT broker. One command with subcommands, so
 * `fieldnode --help` lists it once; `fieldnode ota --help` shows all three.
 */
import { CliError, EXIT, type Command } from "../command";
import { registerCommand } from "../main";
import { PUSH_USAGE, runPush } from "./ota-push";
import { ROLLOUT_USAGE, runRolloutCommand } from "./ota-rollout";
import { runStatus, STATUS_USAGE } from "./ota-status";

const USAGE = `usage: fieldnode ota push|status|rollout [options]

Over-the-air updates through the devices' MQTT broker, with signed commands
(the technician key: fieldnode keygen --type ed25519 --out technician).

  push      update one device and follow it to the end of its trial
  status    show devices' OTA state from the broker
  rollout   update many devices in canary and widening waves, resumably

${PUSH_USAGE}
${STATUS_USAGE}
${ROLLOUT_USAGE}`;

const SUBCOMMANDS: Readonly<Record<string, (argv: readonly string[], io: Parameters<Command["run"]>[1]) => Promise<number>>> = {
  push: runPush,
  status: (argv, io) => runStatus(argv, io),
  rollout: runRolloutCommand,
};

export const otaCommand: Command = {
  name: "ota",
  summary: "push an update to a device, watch OTA status, or roll an image out to a fleet (MQTT)",
  usage: USAGE,
  subcommandUsage: { push: PUSH_USAGE, status: STATUS_USAGE, rollout: ROLLOUT_USAGE },
  async run(argv, io) {
    const [sub, ...rest] = argv;
    if (sub === undefined) throw new CliError("name a subcommand: push, status or rollout; see 'fieldnode ota --help'", EXIT.usage);
    const run = SUBCOMMANDS[sub];
    if (run === undefined) throw new CliError(`unknown subcommand "${sub}"; expected push, status or rollout (see 'fieldnode ota --help')`, EXIT.usage);
    return run(rest, io);
  },
};

registerCommand(otaCommand);
