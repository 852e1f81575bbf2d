import { CliError, EXIT, type Command } from "../command";
import { registerCommand } from "../main";
import { createFilesExclusive, FileExistsError } from "../../keys/atomic-write";
import { ALGORITHM_NAME, generateKey, KEY_TYPES, type KeyType } from "../../keys/key-files";
import { parseCommandLine, required } from "./parse-options";

const USAGE = `usage: fieldnode keygen [--type p256|ed25519] --out NAME [--label TEXT] [--json]

Makes a signing key pair for OTA images:
  NAME.pem  the private key (PKCS#8 PEM, mode 0600): keep it off the devices
  NAME.pub  the public key in the form the firmware's trust store takes

  --type p256|ed25519  ECDSA P-256 with SHA-256 (default) or Ed25519
  --out NAME           where to write; existing files are never overwritten
  --label TEXT         a name for the key, kept in NAME.pub
  --json               print the result as JSON

Keys made with openssl work too: openssl ecparam -name prime256v1 -genkey -noout -out key.pem
`;

export const keygenCommand: Command = {
  name: "keygen",
  summary: "make an ECDSA P-256 or Ed25519 signing key pair (NAME.pem, NAME.pub)",
  usage: USAGE,
  async run(argv, io) {
    const { values } = parseCommandLine("keygen", {
      args: [...argv],
      options: {
        type: { type: "string", default: "p256" },
        out: { type: "string" },
        label: { type: "string" },
        json: { type: "boolean", default: false },
      },
      allowPositionals: false,
      strict: true,
    });
    const type = values.type as string;
    if (!(KEY_TYPES as readonly string[]).includes(type)) {
      throw new CliError(`--type must be p256 or ed25519, got "${type}"`, EXIT.usage);
    }
    const name = required("keygen", values.out, "--out NAME");
    if (/\.(pem|pub)$/.test(name)) {
      throw new CliError(`--out takes a name without extension (keygen writes ${name.replace(/\.(pem|pub)$/, "")}.pem and .pub)`, EXIT.usage);
    }
    const key = generateKey(type as KeyType, values.label);
    const privatePath = `${name}.pem`;
    const publicPath = `${name}.pub`;
    try {
      createFilesExclusive([
        { path: privatePath, data: key.privatePem, mode: 0o600 },
        { path: publicPath, data: key.publicFile, mode: 0o644 },
      ]);
    } catch (error) {
      if (error instanceof FileExistsError) {
        throw new CliError(`${error.path} already exists; keygen never overwrites a key (choose another --out, or move the old key away first)`, EXIT.failed);
      }
      throw new CliError(`cannot write ${name}.pem/.pub: ${(error as Error).message}`, EXIT.io);
    }
    if (values.json) {
      io.stdout(`${JSON.stringify({ privateKey: privatePath, publicKey: publicPath, algorithm: key.algorithm, keyId: key.keyIdHex }, null, 2)}\n`);
    } else {
      io.stdout(
        `${ALGORITHM_NAME[key.algorithm]} key ${key.keyIdHex}\n` +
          `  private key  ${privatePath}  (mode 0600; keep it secret, keep it off the devices)\n` +
          `  public key   ${publicPath}  (add it to the firmware's trust store)\n`,
      );
    }
    return EXIT.ok;
  },
};

registerCommand(keygenCommand);
