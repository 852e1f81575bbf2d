import { closeSync, fstatSync, readSync } from "node:fs";
import { CliError, EXIT, type Command } from "../command";
import { registerCommand } from "../main";
import { toHex } from "../../../firmware/crypto/hex";
import { OTA_ERROR_CODES } from "../../../firmware/ota/errors";
import { formatSemver, parseSemver } from "../../../firmware/ota/semver";
import { TrustStore } from "../../../firmware/ota/trust-store";
import { ImageVerifier, type VerifyOutcome } from "../../../firmware/ota/verifier";
import { createNodeCrypto } from "../../../sim/crypto/node-crypto";
import { ALGORITHM_NAME, KeyFileError, parsePublicKeyText } from "../../keys/key-files";
import { appSlotSize } from "../../keys/partition-limit";
import { integerOption, onePositional, openInput, parseCommandLine, readInput } from "./parse-options";

const USAGE = `usage: fieldnode verify --pub KEY.pub|KEY.pem [--pub ...] IMAGE

Runs the device's own verifier (firmware/ota/verifier.ts) over IMAGE, streamed
in 64 KiB chunks: header structure, trusted key, signature, then length,
CRC-32 and SHA-256 of the payload. Failures carry the device's error codes.

  --pub FILE                 a trusted public key: NAME.pub, a PUBLIC KEY PEM, or the private
                             key PEM; repeat for several (key rotation)
  --target T                 also check the image installs on target T (chip or chip/board)
  --current-version X.Y.Z    also check it is not a downgrade from X.Y.Z
  --allow-downgrade          with --current-version: accept an older version
  --min-security-counter N   also check the anti-rollback counter is at least N
  --max-size BYTES           largest payload (default: the app slot in partitions.csv)
  --json                     print the outcome as JSON

Exit status: 0 verified, 1 refused (the error code says why), 2 bad command line, 3 unreadable file.
`;

const CHUNK = 64 * 1024;

function streamFile(path: string, verifier: ImageVerifier): { outcome: VerifyOutcome; size: number } {
  const fd = openInput(path, "image");
  try {
    const size = fstatSync(fd).size;
    verifier.begin();
    const buffer = new Uint8Array(CHUNK);
    for (;;) {
      const n = readSync(fd, buffer, 0, CHUNK, null);
      if (n === 0) break;
      // Stop reading at the first refusal: like the device, which drops the connection.
      if (!verifier.write(n === CHUNK ? buffer : buffer.subarray(0, n))) break;
    }
    return { outcome: verifier.finish(), size };
  } catch (error) {
    if (error instanceof CliError) throw error;
    throw new CliError(`cannot read image ${path}: ${(error as Error).message}`, EXIT.io);
  } finally {
    closeSync(fd);
  }
}

export const verifyCommand: Command = {
  name: "verify",
  summary: "check an OTA image exactly as the device does",
  usage: USAGE,
  async run(argv, io) {
    const { values, positionals } = parseCommandLine("verify", {
      args: [...argv],
      options: {
        pub: { type: "string", multiple: true },
        target: { type: "string" },
        "current-version": { type: "string" },
        "allow-downgrade": { type: "boolean", default: false },
        "min-security-counter": { type: "string" },
        "max-size": { type: "string" },
        json: { type: "boolean", default: false },
      },
      allowPositionals: true,
      strict: true,
    });
    const keyPaths = values.pub ?? [];
    if (keyPaths.length === 0) throw new CliError("--pub KEY.pub is required (the key the device trusts); see 'fieldnode verify --help'", EXIT.usage);
    const path = onePositional("verify", positionals, "IMAGE");
    let currentVersion = null;
    if (values["current-version"] !== undefined) {
      const parsed = parseSemver(values["current-version"]);
      if (typeof parsed === "string") throw new CliError(`--current-version: ${parsed}`, EXIT.usage);
      currentVersion = parsed;
    }
    const minSecurityCounter = integerOption("verify", "--min-security-counter", values["min-security-counter"], 0, 0xffffffff);
    const maxPayloadLength = integerOption("verify", "--max-size", values["max-size"], appSlotSize(), 0xffffffff);

    const crypto = createNodeCrypto();
    const trust = new TrustStore(crypto);
    const keySources = new Map<string, string>();
    for (const keyPath of keyPaths) {
      try {
        const key = parsePublicKeyText(readInput(keyPath, "public key").toString("utf8"), keyPath);
        trust.add({ algorithm: key.algorithm, publicKey: key.publicKey });
        keySources.set(key.keyIdHex, keyPath);
      } catch (error) {
        if (error instanceof KeyFileError) throw new CliError(error.message, EXIT.usage);
        if (error instanceof CliError) throw error;
        throw new CliError(`${keyPath}: ${(error as Error).message}`, EXIT.usage);
      }
    }

    const verifier = new ImageVerifier({
      crypto,
      trust,
      policy: { target: values.target ?? null, currentVersion, minSecurityCounter, allowDowngrade: values["allow-downgrade"] === true, maxPayloadLength },
    });
    const { outcome, size } = streamFile(path, verifier);

    if (!outcome.ok) {
      if (values.json) {
        io.stdout(`${JSON.stringify({ ok: false, image: path, code: outcome.code, number: OTA_ERROR_CODES[outcome.code], message: outcome.message }, null, 2)}\n`);
      }
      io.stderr(`fieldnode verify: ${path}: ${outcome.code}: ${outcome.message}\n`);
      return EXIT.failed;
    }
    const header = outcome.header;
    const keyIdHex = toHex(header.keyId);
    const result = {
      ok: true,
      image: path,
      imageLength: size,
      version: formatSemver(header.version),
      target: header.target,
      securityCounter: header.securityCounter,
      algorithm: header.algorithm,
      keyId: keyIdHex,
      payloadLength: header.payloadLength,
      payloadCrc32: header.payloadCrc32.toString(16).padStart(8, "0"),
      payloadSha256: toHex(header.payloadSha256),
    };
    if (values.json) io.stdout(`${JSON.stringify(result, null, 2)}\n`);
    else {
      io.stdout(
        `verified ${path}: fieldnode ${result.version} for ${result.target}, security counter ${result.securityCounter}\n` +
          `  signature  ${ALGORITHM_NAME[header.algorithm]}, key ${keyIdHex} (${keySources.get(keyIdHex) ?? "trusted"})\n` +
          `  payload    ${header.payloadLength} bytes, CRC-32 0x${result.payloadCrc32}, SHA-256 ${result.payloadSha256}\n`,
      );
    }
    return EXIT.ok;
  },
};

registerCommand(verifyCommand);
