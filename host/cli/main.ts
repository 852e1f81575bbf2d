import { createRequire } from "node:module";
import { CliError, EXIT, type CliIo, type Command } from "./command";

/** Commands register here; each lives in cli/commands/<name>.ts. */
const COMMANDS: Command[] = [];

export function registerCommand(command: Command): void {
  COMMANDS.push(command);
}

function usage(): string {
  const width = Math.max(...COMMANDS.map((c) => c.name.length), 8);
  const lines = COMMANDS.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`);
  return `usage: fieldnode <command> [options]\n\ncommands:\n${lines.join("\n")}\n\n'fieldnode <command> --help' describes each command.\nexit codes: 0 ok, 1 operation failed, 2 bad command line, 3 file/port/network unreachable\n`;
}

const defaultIo: CliIo = {
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
};

export async function runCli(argv: readonly string[], io: CliIo = defaultIo): Promise<number> {
  await import("./commands/index");
  const [name, ...rest] = argv;
  if (name === undefined || name === "--help" || name === "-h" || name === "help") {
    io.stdout(usage());
    return name === undefined ? EXIT.usage : EXIT.ok;
  }
  if (name === "--version") {
    const pkg = createRequire(import.meta.url)("../../package.json") as { version: string };
    io.stdout(`${pkg.version}\n`);
    return EXIT.ok;
  }
  const command = COMMANDS.find((c) => c.name === name);
  if (command === undefined) {
    io.stderr(`fieldnode: unknown command "${name}"\n\n${usage()}`);
    return EXIT.usage;
  }
  if (rest.includes("--help") || rest.includes("-h")) {
    const text = (rest[0] !== undefined ? command.subcommandUsage?.[rest[0]] : undefined) ?? command.usage;
    io.stdout(text.endsWith("\n") ? text : `${text}\n`);
    return EXIT.ok;
  }
  try {
    return await command.run(rest, io);
  } catch (error) {
    if (error instanceof CliError) {
      io.stderr(`fieldnode ${name}: ${error.message}\n`);
      return error.exitCode;
    }
    io.stderr(`fieldnode ${name}: internal error: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    return EXIT.failed;
  }
}
