import { decodeHeader } from "../../../firmware/ota/header-codec";
import { formatSemver } from "../../../firmware/ota/semver";
import { toHex } from "../../../firmware/crypto/hex";
import { readFileSync } from "node:fs";
import { startImageServer, type FetchRecord } from "../../serve/image-server";
import { CliError, EXIT, type Command } from "../command";
import { registerCommand } from "../main";
import { integerOption, parseCommandLine } from "./parse-options";

const USAGE = `usage: fieldnode serve [--port N] [--host ADDR] [--max-rate KIB] [--json] IMAGE...

Serves signed images over HTTP for devices to download (fieldnode ota push
points them here), with Range support so interrupted downloads resume, and
logs every transfer: who fetched which image, which range, how many bytes.

  --port N      TCP port (default 8070; 0 picks a free one)
  --host ADDR   address to listen on (default 0.0.0.0: reachable by devices on the LAN)
  --max-rate KIB  send each transfer at most this many KiB/s (a site's thin uplink; rehearsing a resume)
  --json        log one JSON object per line instead of text
Stops on Ctrl-C. Exit 3 if the port cannot be opened or a file cannot be read.
`;

function describe(path: string): string {
  try {
    const header = decodeHeader(new Uint8Array(readFileSync(path)));
    return `fieldnode ${formatSemver(header.version)} for ${header.target}, counter ${header.securityCounter}, payload SHA-256 ${toHex(header.payloadSha256)}`;
  } catch (error) {
    return `not a fieldnode image (${error instanceof Error ? error.message : String(error)}); served as it is`;
  }
}

function formatRecord(r: FetchRecord): string {
  const range = r.range === null ? "" : ` ${r.range}`;
  return `${r.time} ${r.client} ${r.method} ${r.path}${range} -> ${r.status} ${r.bytes} bytes in ${r.ms} ms${r.aborted ? " (client went away)" : ""}`;
}

export const serveCommand: Command = {
  name: "serve",
  summary: "serve signed images over HTTP with Range support, logging who fetched what",
  usage: USAGE,
  async run(argv, io) {
    const { values, positionals } = parseCommandLine("serve", {
      args: [...argv],
      allowPositionals: true,
      options: {
        port: { type: "string" },
        host: { type: "string", default: "0.0.0.0" },
        json: { type: "boolean", default: false },
        "max-rate": { type: "string" },
      },
    });
    if (positionals.length === 0) throw new CliError("name at least one image file to serve; see 'fieldnode serve --help'", EXIT.usage);
    const port = integerOption("serve", "--port", values.port, 8070, 65535);
    const json = values.json === true;
    const maxRateKiB = values["max-rate"] === undefined ? undefined : integerOption("serve", "--max-rate", values["max-rate"], 0, 1_048_576);
    if (maxRateKiB === 0) throw new CliError("--max-rate must be at least 1 (KiB/s)", EXIT.usage);
    let server;
    try {
      server = await startImageServer({
        files: positionals,
        host: values.host as string,
        port,
        ...(maxRateKiB !== undefined ? { maxRate: maxRateKiB * 1024 } : {}),
        onFetch: (record) => io.stdout(json ? `${JSON.stringify({ event: "fetch", ...record })}\n` : `${formatRecord(record)}\n`),
      });
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === "EADDRINUSE") throw new CliError(`port ${port} is in use; pick another with --port`, EXIT.io);
      if (code === "ENOENT" || code === "EACCES" || code === "EISDIR") {
        throw new CliError(`cannot read ${(error as NodeJS.ErrnoException).path ?? "an image"}: ${code}`, EXIT.io);
      }
      throw new CliError(error instanceof Error ? error.message : String(error), EXIT.io);
    }
    for (const image of server.images) {
      const url = `${server.url.replace("0.0.0.0", "127.0.0.1")}/${image.name}`;
      if (json) io.stdout(`${JSON.stringify({ event: "serving", url, name: image.name, bytes: image.size, etag: image.etag })}\n`);
      else io.stdout(`serving ${url} (${image.size} bytes): ${describe(image.path)}\n`);
    }
    await new Promise<void>((resolve) => {
      process.once("SIGINT", resolve);
      process.once("SIGTERM", resolve);
    });
    await server.close();
    if (!json) io.stdout("stopped\n");
    return EXIT.ok;
  },
};

registerCommand(serveCommand);
