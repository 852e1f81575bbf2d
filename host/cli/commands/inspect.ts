import { closeSync, fstatSync, readSync } from "node:fs";
import { CliError, EXIT, type Command } from "../command";
import { registerCommand } from "../main";
import { toHex } from "../../../firmware/crypto/hex";
import { OtaError } from "../../../firmware/ota/errors";
import { decodeHeader } from "../../../firmware/ota/header-codec";
import { ALGORITHM_ID, MAX_HEADER_LENGTH, TLV, type ImageHeader } from "../../../firmware/ota/image-format";
import { formatSemver } from "../../../firmware/ota/semver";
import { ALGORITHM_NAME } from "../../keys/key-files";
import { onePositional, openInput, parseCommandLine } from "./parse-options";

const USAGE = `usage: fieldnode inspect [--json] IMAGE

Shows every header field of a fieldnode OTA image. It checks the header's
structure only; 'fieldnode verify' checks the signature, CRC-32 and SHA-256.

  --json   the fields as JSON (bytes as lowercase hex)

Exit status: 0 readable header, 1 malformed header (the error code says why), 3 unreadable file.
`;

const EXTENSION_NAMES: Readonly<Record<number, string>> = {
  [TLV.VERSION_PRERELEASE]: "version pre-release",
  [TLV.VERSION_BUILD]: "version build metadata",
};

/** The first header-sized bytes of a file and its size, without reading a multi-megabyte payload. */
function readHead(path: string): { head: Uint8Array; size: number } {
  const fd = openInput(path, "image");
  try {
    const size = fstatSync(fd).size;
    const head = new Uint8Array(Math.min(size, MAX_HEADER_LENGTH));
    let got = 0;
    while (got < head.length) {
      const n = readSync(fd, head, got, head.length - got, got);
      if (n === 0) break;
      got += n;
    }
    return { head: head.subarray(0, got), size };
  } catch (error) {
    throw new CliError(`cannot read image ${path}: ${(error as Error).message}`, EXIT.io);
  } finally {
    closeSync(fd);
  }
}

function headerAsJson(header: ImageHeader, imageLength: number): Record<string, unknown> {
  return {
    magic: "FNOT",
    formatVersion: header.formatVersion,
    headerLength: header.headerLength,
    extensionsLength: header.extensionsLength,
    algorithm: header.algorithm,
    algorithmId: ALGORITHM_ID[header.algorithm],
    flags: header.flags,
    target: header.target,
    version: formatSemver(header.version),
    securityCounter: header.securityCounter,
    payloadLength: header.payloadLength,
    payloadCrc32: header.payloadCrc32.toString(16).padStart(8, "0"),
    payloadSha256: toHex(header.payloadSha256),
    keyId: toHex(header.keyId),
    extensions: header.extensions.map((e) => ({
      type: `0x${e.type.toString(16).padStart(4, "0")}`,
      name: EXTENSION_NAMES[e.type] ?? "unknown",
      critical: e.critical,
      value: toHex(e.value),
    })),
    signedLength: header.signedLength,
    signature: toHex(header.signature),
    imageLength,
    payloadBytesInFile: imageLength - header.headerLength,
  };
}

function describe(header: ImageHeader, path: string, imageLength: number): string {
  const inFile = imageLength - header.headerLength;
  const rows: Array<[string, string]> = [
    ["magic", "FNOT"],
    ["format version", String(header.formatVersion)],
    ["header length", `${header.headerLength} bytes`],
    ["extensions length", `${header.extensionsLength} bytes`],
    ["signature algorithm", `${ALGORITHM_NAME[header.algorithm]} (id ${ALGORITHM_ID[header.algorithm]})`],
    ["flags", `0x${header.flags.toString(16).padStart(2, "0")}`],
    ["target", header.target],
    ["version", formatSemver(header.version)],
    ["security counter", String(header.securityCounter)],
    ["payload length", `${header.payloadLength} bytes${inFile === header.payloadLength ? "" : ` (the file holds ${inFile} after the header)`}`],
    ["payload CRC-32", `0x${header.payloadCrc32.toString(16).padStart(8, "0")}`],
    ["payload SHA-256", toHex(header.payloadSha256)],
    ["key id", toHex(header.keyId)],
  ];
  if (header.extensions.length === 0) rows.push(["extensions", "none"]);
  for (const e of header.extensions) {
    const name = EXTENSION_NAMES[e.type] ?? "unknown";
    const text = /^[\x20-\x7e]*$/.test(String.fromCharCode(...e.value)) ? `"${String.fromCharCode(...e.value)}"` : toHex(e.value);
    rows.push([`extension 0x${e.type.toString(16).padStart(4, "0")}`, `${name}${e.critical ? ", critical" : ""}: ${text}`]);
  }
  rows.push(["signed bytes", `0..${header.signedLength - 1} (${header.signedLength} bytes)`]);
  rows.push(["signature", toHex(header.signature)]);
  const width = Math.max(...rows.map(([label]) => label.length));
  return (
    `fieldnode OTA image ${path} (${imageLength} bytes)\n` +
    rows.map(([label, value]) => `  ${label.padEnd(width)}  ${value}`).join("\n") +
    `\nnot checked here: signature, CRC-32, SHA-256 (fieldnode verify --pub KEY.pub ${path})\n`
  );
}

export const inspectCommand: Command = {
  name: "inspect",
  summary: "show every header field of an OTA image",
  usage: USAGE,
  async run(argv, io) {
    const { values, positionals } = parseCommandLine("inspect", {
      args: [...argv],
      options: { json: { type: "boolean", default: false } },
      allowPositionals: true,
      strict: true,
    });
    const path = onePositional("inspect", positionals, "IMAGE");
    const { head, size } = readHead(path);
    let header: ImageHeader;
    try {
      header = decodeHeader(head);
    } catch (error) {
      if (error instanceof OtaError) {
        if (values.json) io.stdout(`${JSON.stringify({ ok: false, code: error.code, message: error.message }, null, 2)}\n`);
        throw new CliError(`${path}: ${error.code}: ${error.message}`, EXIT.failed);
      }
      throw error;
    }
    io.stdout(values.json ? `${JSON.stringify(headerAsJson(header, size), null, 2)}\n` : describe(header, path, size));
    return EXIT.ok;
  },
};

registerCommand(inspectCommand);
