/**
 * A `fieldnode` subcommand. Every command documents itself (`--help`), writes
 * results to stdout and diagnostics to stderr, and returns an exit code from
 * EXIT so scripts can rely on it.
 */
export interface CliIo {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
}

export interface Command {
  name: string;
  summary: string;
  usage: string;
  /** Help for each subcommand (`fieldnode ota push --help`), where a command has them. */
  subcommandUsage?: Readonly<Record<string, string>>;
  run(argv: readonly string[], io: CliIo): Promise<number>;
}

/** Exit codes, documented in the README. */
export const EXIT = {
  ok: 0,
  /** The operation ran and failed: verification refused, update rolled back, device answered with an error. */
  failed: 1,
  /** The command line is wrong: unknown flag, missing argument, bad value. */
  usage: 2,
  /** A file, port, broker or device could not be read, written or reached. */
  io: 3,
} as const;

/** A problem the user can fix, reported as one line with the exit code it deserves. */
export class CliError extends Error {
  readonly exitCode: number;
  constructor(message: string, exitCode: number = EXIT.failed) {
    super(message);
    this.exitCode = exitCode;
  }
}
