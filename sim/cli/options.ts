import { parseArgs } from "node:util";

export interface SimOptions {
  id: string;
  stateDir: string | undefined;
  firmwareVersion: string | undefined;
  duration: number | undefined;
  quiet: boolean;
}

export const USAGE = `usage: npm start -- [options]

Runs one simulated fieldnode device: the firmware image in its simulated flash
boots through an ESP-IDF-style bootloader, in real time.

options:
  --id NAME                 device id (default fieldnode-001)
  --state-dir DIR           keep the device's flash in DIR/<id>.flash between runs;
                            without it the flash lives in memory and every run is a
                            factory-new device
  --firmware-version X.Y.Z  version of the image provisioned on a blank flash
                            (default: package.json version)
  --duration SECONDS        stop after this long (default: run until Ctrl-C)
  --quiet                   print only the startup summary and errors
  -h, --help                this text
`;

export class UsageError extends Error {}

export function parseSimOptions(argv: readonly string[]): SimOptions | "help" {
  let parsed;
  try {
    parsed = parseArgs({
      args: [...argv],
      strict: true,
      allowPositionals: false,
      options: {
        id: { type: "string" },
        "state-dir": { type: "string" },
        "firmware-version": { type: "string" },
        duration: { type: "string" },
        quiet: { type: "boolean" },
        help: { type: "boolean", short: "h" },
      },
    });
  } catch (error) {
    throw new UsageError(`${error instanceof Error ? error.message : String(error)} (see --help)`);
  }
  const { values } = parsed;
  if (values.help) return "help";
  const id = values.id ?? "fieldnode-001";
  if (!/^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$/.test(id)) {
    throw new UsageError(`--id "${id}" is not a device id: use letters, digits, '.', '_' or '-' (at most 63)`);
  }
  const version = values["firmware-version"];
  if (version !== undefined && !/^\d+\.\d+\.\d+(?:-[0-9A-Za-z.-]+)?$/.test(version)) {
    throw new UsageError(`--firmware-version "${version}" is not a semantic version like 1.2.3`);
  }
  let duration: number | undefined;
  if (values.duration !== undefined) {
    duration = Number(values.duration);
    if (!Number.isFinite(duration) || duration <= 0) {
      throw new UsageError(`--duration "${values.duration}" must be a positive number of seconds`);
    }
  }
  return { id, stateDir: values["state-dir"], firmwareVersion: version, duration, quiet: values.quiet ?? false };
}
