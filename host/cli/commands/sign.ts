import { CliError, EXIT, type Command } from "../command";
import { registerCommand } from "../main";
import { MAX_HEADER_LENGTH, TARGET_LENGTH, TARGET_PATTERN } from "../../../firmware/ota/image-format";
import { versionIdentifierLength, versionIdentifierRoom } from "../../../firmware/ota/header-codec";
import { formatSemver, parseSemver } from "../../../firmware/ota/semver";
import { writeFileAtomic } from "../../keys/atomic-write";
import { signImage } from "../../keys/image-signing";
import { ALGORITHM_NAME, KeyFileError, parsePrivateKeyPem } from "../../keys/key-files";
import { appSlotSize } from "../../keys/partition-limit";
import { integerOption, onePositional, parseCommandLine, readInput, required } from "./parse-options";

const USAGE = `usage: fieldnode sign --key KEY.pem --version X.Y.Z [--security-counter N] [--target T] PAYLOAD --out IMAGE

Wraps PAYLOAD (the app binary) in a signed fieldnode OTA image.

  --key KEY.pem            private key: from fieldnode keygen, or openssl (PKCS#8 or SEC1 PEM,
                           P-256 or Ed25519)
  --version X.Y.Z          the firmware's semantic version (pre-release allowed: 2.0.0-rc.1)
  --security-counter N     anti-rollback counter, 0..4294967295 (default 0); devices refuse
                           images below the highest counter they have accepted
  --target T               chip or chip/board the image is for (default esp32)
  --out IMAGE              the image to write (replaced atomically)
  --max-size BYTES         largest payload accepted (default: the app slot in partitions.csv)
  --json                   print the header fields as JSON

Image format: docs/ota-image-format.md.
`;

export const signCommand: Command = {
  name: "sign",
  summary: "wrap an app binary in a signed OTA image",
  usage: USAGE,
  async run(argv, io) {
    const { values, positionals } = parseCommandLine("sign", {
      args: [...argv],
      options: {
        key: { type: "string" },
        version: { type: "string" },
        "security-counter": { type: "string" },
        target: { type: "string", default: "esp32" },
        out: { type: "string" },
        "max-size": { type: "string" },
        json: { type: "boolean", default: false },
      },
      allowPositionals: true,
      strict: true,
    });
    const keyPath = required("sign", values.key, "--key KEY.pem");
    const versionText = required("sign", values.version, "--version X.Y.Z");
    const out = required("sign", values.out, "--out IMAGE");
    const payloadPath = onePositional("sign", positionals, "PAYLOAD file");

    const version = parseSemver(versionText);
    if (typeof version === "string") throw new CliError(`--version: ${version}`, EXIT.usage);
    const identifiers = versionIdentifierLength(version);
    const room = versionIdentifierRoom(version);
    if (identifiers > room) {
      const length = formatSemver(version).length;
      throw new CliError(
        `--version is ${length} characters, too long for the image header (at most ${MAX_HEADER_LENGTH} bytes): this one may be at most ${length - identifiers + room} ` +
          `(its pre-release and build identifiers at most ${room} characters together, not ${identifiers})`,
        EXIT.usage,
      );
    }
    const securityCounter = integerOption("sign", "--security-counter", values["security-counter"], 0, 0xffffffff);
    const target = values.target as string;
    if (target.length > TARGET_LENGTH || !TARGET_PATTERN.test(target)) {
      throw new CliError(
        `--target "${target}" must be a chip or chip/board name (lowercase letters, digits, ".", "_", "-"; at most ${TARGET_LENGTH} characters), e.g. esp32`,
        EXIT.usage,
      );
    }
    const maxSize = integerOption("sign", "--max-size", values["max-size"], appSlotSize(), 0xffffffff);

    const keyText = readInput(keyPath, "key").toString("utf8");
    let key;
    try {
      key = parsePrivateKeyPem(keyText, keyPath);
    } catch (error) {
      if (error instanceof KeyFileError) throw new CliError(error.message, EXIT.usage);
      throw error;
    }
    const payload = new Uint8Array(readInput(payloadPath, "payload"));
    if (payload.length === 0) throw new CliError(`payload ${payloadPath} is empty; give the app binary to sign`, EXIT.usage);
    if (payload.length > maxSize) {
      throw new CliError(
        `payload ${payloadPath} is ${payload.length} bytes; the app partition holds ${maxSize} (devices would refuse it as TOO_LARGE). Shrink the build or change partitions.csv`,
        EXIT.usage,
      );
    }

    let image: Uint8Array;
    try {
      image = signImage({ payload, version, securityCounter, target }, key);
    } catch (error) {
      // encodeHeader's last word on a field the format cannot hold; the checks above should have said it first.
      if (error instanceof RangeError) throw new CliError(`cannot sign: ${error.message}`, EXIT.usage);
      throw error;
    }
    try {
      writeFileAtomic({ path: out, data: image, mode: 0o644 });
    } catch (error) {
      throw new CliError(`cannot write ${out}: ${(error as Error).message}`, EXIT.io);
    }
    const summary = {
      image: out,
      version: formatSemver(version),
      target,
      securityCounter,
      payloadLength: payload.length,
      imageLength: image.length,
      algorithm: key.algorithm,
      keyId: key.keyIdHex,
    };
    if (values.json) io.stdout(`${JSON.stringify(summary, null, 2)}\n`);
    else {
      io.stdout(
        `signed ${out}: fieldnode ${summary.version} for ${target}, security counter ${securityCounter}\n` +
          `  payload ${payload.length} bytes, image ${image.length} bytes, ${ALGORITHM_NAME[key.algorithm]} key ${key.keyIdHex}\n`,
      );
    }
    return EXIT.ok;
  },
};

registerCommand(signCommand);
