/**
 * Command-line parsing shared by the OTA commands (keygen, sign, inspect,
 * verify): node's util.parseArgs in strict mode, with its errors turned into
 * usage errors (exit 2) that point at the command's --help.
 */
import { openSync, readFileSync } from "node:fs";
import { parseArgs, type ParseArgsConfig } from "node:util";
import { CliError, EXIT } from "../command";

export function parseCommandLine<T extends ParseArgsConfig>(command: string, config: T): ReturnType<typeof parseArgs<T>> {
  try {
    return parseArgs<T>({ ...config, args: joinNegativeValues(config) });
  } catch (error) {
    // util.parseArgs explains over several lines; one line reads better after "fieldnode <command>:".
    const message = error instanceof Error ? error.message.replace(/\. To specify a positional argument.*$/s, "").replace(/\s*\n\s*/g, " ").replace(/\.$/, "") : String(error);
    throw new CliError(`${message}; see 'fieldnode ${command} --help'`, EXIT.usage);
  }
}

/**
 * "--flag -1" as "--flag=-1" for flags that take a value. util.parseArgs
 * refuses a value that starts with "-" as "ambiguous", which tells the user
 * nothing about the flag; given the value, the command's own check can say
 * what range it accepts. Option names never start with a digit, so nothing
 * that could be an option is swallowed.
 */
function joinNegativeValues(config: ParseArgsConfig): string[] | undefined {
  const args = config.args;
  if (args === undefined) return undefined;
  const joined: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    if (arg === "--") {
      joined.push(...args.slice(i));
      break;
    }
    const next = args[i + 1];
    const takesValue = arg.startsWith("--") && config.options?.[arg.slice(2)]?.type === "string";
    if (takesValue && next !== undefined && /^-[0-9.]/.test(next)) {
      joined.push(`${arg}=${next}`);
      i++;
    } else {
      joined.push(arg);
    }
  }
  return joined;
}

/** A flag that must be given. */
export function required(command: string, value: string | undefined, flag: string): string {
  if (value === undefined || value === "") throw new CliError(`${flag} is required; see 'fieldnode ${command} --help'`, EXIT.usage);
  return value;
}

/** Exactly one positional argument, named for the message. */
export function onePositional(command: string, positionals: readonly string[], name: string): string {
  if (positionals.length === 0) throw new CliError(`missing ${name}; see 'fieldnode ${command} --help'`, EXIT.usage);
  if (positionals.length > 1) throw new CliError(`expected one ${name}, got ${positionals.length}: ${positionals.join(" ")}`, EXIT.usage);
  return positionals[0]!;
}

/** A non-negative integer flag value, at most `max`. */
export function integerOption(command: string, flag: string, text: string | undefined, fallback: number, max: number): number {
  if (text === undefined) return fallback;
  if (!/^(0|[1-9][0-9]*)$/.test(text) || Number(text) > max) {
    throw new CliError(`${flag} must be a whole number from 0 to ${max}, got "${text}"; see 'fieldnode ${command} --help'`, EXIT.usage);
  }
  return Number(text);
}

/** Reads a whole file, or fails with exit 3 naming the file and the reason. */
export function readInput(path: string, what: string): Buffer {
  try {
    return readFileSync(path);
  } catch (error) {
    throw unreadable(path, what, error);
  }
}

/** Opens a file for reading in pieces (an image too large to hold); fails as readInput does. */
export function openInput(path: string, what: string): number {
  try {
    return openSync(path, "r");
  } catch (error) {
    throw unreadable(path, what, error);
  }
}

function unreadable(path: string, what: string, error: unknown): CliError {
  const code = (error as NodeJS.ErrnoException).code;
  const reason = code === "ENOENT" ? "no such file" : code === "EACCES" ? "permission denied" : code === "EISDIR" ? "is a directory" : (error as Error).message;
  return new CliError(`cannot read ${what} ${path}: ${reason}`, EXIT.io);
}
