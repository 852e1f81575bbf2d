/**
 * `fieldnode ota status`: where devices stand, from what they keep retained
 * on the broker. See STATUS_USAGE.
 */
import { checkDeviceId } from "../../commands/topics";
import { settleRetained } from "../../ota/retained-settle";
import { formatStatusTable, statusJson, statusRow } from "../../ota/status-table";
import { CliError, EXIT, type CliIo } from "../command";
import { BROKER_OPTIONS, BROKER_USAGE, brokerOption, isTerminal, prefixOption, withDevices } from "./ota-shared";
import { parseCommandLine } from "./parse-options";

export const STATUS_USAGE = `usage: fieldnode ota status [--device ID ... | --all] [--broker URL] [--prefix P] [--watch] [--json]

Shows each device's presence and OTA state from what it keeps retained on
the broker: device, online, state, running version, previous version,
percent, last error.

  --device ID        a device (repeat for several)
  --all              every device seen under the prefix (the default)
  --watch            keep the table live until Ctrl-C
${BROKER_USAGE}
  --json             one JSON object per device (and per change with --watch)

Exit: 0, or 3 when the broker is unreachable or a named device has no status there.
`;

/** `stop` ends --watch (default: Ctrl-C or SIGTERM). */
export async function runStatus(argv: readonly string[], io: CliIo, stop?: Promise<void>): Promise<number> {
  const { values } = parseCommandLine("ota status", {
    args: [...argv],
    options: {
      device: { type: "string", multiple: true },
      all: { type: "boolean", default: false },
      watch: { type: "boolean", default: false },
      ...BROKER_OPTIONS,
    },
    allowPositionals: false,
    strict: true,
  });
  const named = values.device ?? [];
  if (named.length > 0 && values.all === true) throw new CliError("give --device or --all, not both", EXIT.usage);
  for (const id of named) {
    const problem = checkDeviceId(id);
    if (problem !== undefined) throw new CliError(`--device: ${problem}`, EXIT.usage);
  }
  const broker = brokerOption("ota status", values.broker);
  const prefix = prefixOption(values.prefix);
  const json = values.json === true;
  const scope = named.length > 0 ? named : "all";

  return withDevices(broker, prefix, scope, 10, async (_connection, watch) => {
    await settleRetained(watch, named.length > 0 ? { expect: named } : {});
    const ids = (): string[] => (named.length > 0 ? named : watch.ids());
    if (json) for (const id of ids()) io.stdout(`${JSON.stringify(statusJson(id, watch.get(id)))}\n`);
    else if (ids().length === 0) io.stdout(`no devices under ${prefix}/ on ${broker.display}\n`);
    else io.stdout(formatStatusTable(ids(), (id) => watch.get(id)));
    const unknown = named.filter((id) => watch.get(id) === undefined);

    if (values.watch === true) {
      const terminal = isTerminal() && !json;
      let drawn = terminal ? formatStatusTable(ids(), (id) => watch.get(id)).split("\n").length - 1 : 0;
      const detach = watch.on((event) => {
        if (json) return io.stdout(`${JSON.stringify(statusJson(event.device, watch.get(event.device)))}\n`);
        if (terminal) {
          // Redraw the table in place: up over the old one, clear to the end of the screen.
          const table = formatStatusTable(ids(), (id) => watch.get(id));
          io.stdout(`\x1b[${drawn}A\x1b[J${table}`);
          drawn = table.split("\n").length - 1;
          return;
        }
        io.stdout(`${new Date().toISOString()}  ${statusRow(event.device, watch.get(event.device)).filter((c) => c !== "").join("  ")}\n`);
      });
      await (stop ?? interrupted());
      detach();
      return EXIT.ok;
    }
    if (unknown.length > 0) {
      throw new CliError(`no status on ${broker.display} for ${unknown.join(", ")} under ${prefix}/: check the device id, --prefix, and that the device has connected at least once`, EXIT.io);
    }
    return EXIT.ok;
  });
}

function interrupted(): Promise<void> {
  return new Promise((resolve) => {
    process.once("SIGINT", () => resolve());
    process.once("SIGTERM", () => resolve());
  });
}
