/**
 * `npm run flash [-- --board NAME] [--port DEV] [ssid=… password=… broker=…]`: builds the device bundle and
 * hands manifest.json to Moddable's mcconfig, which compiles it to XS bytecode,
 * builds the ESP-IDF project and flashes it. Checks the toolchain first, so a
 * missing SDK is a message that says what to install, not a make error.
 */
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { delimiter, join } from "node:path";
import { parseBroker } from "../../firmware/telemetry/settings";
import { PROJECT_ROOT } from "./bundle";
import { buildDevice } from "./device";

export interface FlashOptions {
  board: string | undefined;
  port: string | undefined;
  /** NAME=VALUE settings for mcconfig, which a build reads as Moddable's mc/config. */
  config: string[];
}

/** The mc/config properties a build of fieldnode reads. */
const CONFIG_KEYS: Readonly<Record<string, string>> = {
  ssid: "the Wi-Fi network to join (Moddable's network setup)",
  password: "its passphrase",
  broker: "the MQTT broker while the settings name none, mqtt://host[:port]",
};

const FLASH_USAGE = `usage: npm run flash [-- --board NAME] [--port /dev/ttyUSB0] [ssid=NAME] [password=PASS] [broker=mqtt://HOST[:PORT]]
  board:    a Moddable esp32 target (esp32/NAME), default plain esp32
  port:     serial port for esptool (else mcconfig's auto-detection)
${Object.entries(CONFIG_KEYS).map(([key, what]) => `  ${`${key}=`.padEnd(9)} ${what}`).join("\n")}`;

export function parseFlashArgs(argv: readonly string[]): FlashOptions {
  const options: FlashOptions = { board: process.env.FIELDNODE_BOARD, port: process.env.UPLOAD_PORT, config: [] };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    const value = (): string => {
      const next = argv[++i];
      if (next === undefined || next.startsWith("--")) throw new Error(`${arg} needs a value`);
      return next;
    };
    if (arg === "--board") options.board = value();
    else if (arg === "--port") options.port = value();
    else if (arg === "--help" || arg === "-h") {
      console.log(FLASH_USAGE);
      process.exit(0);
    } else if (/^[a-z]+=/.test(arg)) options.config.push(configSetting(arg));
    else throw new Error(`unknown option ${arg} (try --help)`);
  }
  return options;
}

function configSetting(arg: string): string {
  const key = arg.slice(0, arg.indexOf("="));
  const value = arg.slice(key.length + 1);
  if (!(key in CONFIG_KEYS)) throw new Error(`unknown setting ${key}=; a build reads ${Object.keys(CONFIG_KEYS).map((k) => `${k}=`).join(", ")}`);
  if (key === "broker" && parseBroker(value) === undefined) throw new Error(`broker=${value} is not mqtt://host[:port] (e.g. broker=mqtt://192.168.1.10:1883)`);
  return arg;
}

/** Returns what is missing, each with how to get it; empty when ready. */
export function checkToolchain(env: NodeJS.ProcessEnv): string[] {
  const missing: string[] = [];
  const moddable = env.MODDABLE;
  if (!moddable || !existsSync(moddable)) {
    missing.push(
      "MODDABLE is not set to a Moddable SDK checkout. Install the Moddable SDK " +
        "(git clone https://github.com/Moddable-OpenSource/moddable, build its tools with " +
        "`cd $MODDABLE/build/makefiles/lin && make`), then `export MODDABLE=/path/to/moddable` " +
        "and add $MODDABLE/build/bin/lin/release to PATH.",
    );
  } else if (!findOnPath("mcconfig", env) && !existsSync(join(moddable, "build", "bin", "lin", "release", "mcconfig"))) {
    missing.push("mcconfig was not found: build the Moddable tools (cd $MODDABLE/build/makefiles/lin && make) and add $MODDABLE/build/bin/lin/release to PATH.");
  }
  if (!env.IDF_PATH || !existsSync(env.IDF_PATH)) {
    missing.push(
      "IDF_PATH is not set to an ESP-IDF checkout. Install ESP-IDF as the Moddable ESP32 guide says " +
        "(documentation/devices/esp32.md in the SDK: clone esp-idf at the version it names, run ./install.sh, " +
        "then `source $IDF_PATH/export.sh` in this shell).",
    );
  }
  return missing;
}

function findOnPath(name: string, env: NodeJS.ProcessEnv): string | undefined {
  for (const dir of (env.PATH ?? "").split(delimiter)) {
    if (dir && existsSync(join(dir, name))) return join(dir, name);
  }
  return undefined;
}

async function main(): Promise<number> {
  const options = parseFlashArgs(process.argv.slice(2));
  const missing = checkToolchain(process.env);
  if (missing.length > 0) {
    console.error("npm run flash: the device toolchain is not installed on this machine.");
    for (const line of missing) console.error(`  - ${line}`);
    console.error("The simulator needs none of this: `npm start` runs the same firmware on Node.");
    return 2;
  }
  const { path, bytes } = await buildDevice();
  console.log(`built ${path} (${bytes} bytes)`);
  const platform = options.board ? `esp32/${options.board}` : "esp32";
  const env: NodeJS.ProcessEnv = { ...process.env, ...(options.port ? { UPLOAD_PORT: options.port } : {}) };
  const mcconfig = findOnPath("mcconfig", env) ?? join(env.MODDABLE!, "build", "bin", "lin", "release", "mcconfig");
  const args = ["-d", "-m", "-p", platform, join(PROJECT_ROOT, "manifest.json"), ...options.config];
  console.log(`${mcconfig} ${args.map((a) => (a.startsWith("password=") ? "password=…" : a)).join(" ")}`);
  const result = spawnSync(mcconfig, args, { stdio: "inherit", env, cwd: PROJECT_ROOT });
  if (result.error) {
    console.error(`could not run mcconfig: ${result.error.message}`);
    return 2;
  }
  return result.status ?? 1;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  main().then(
    (code) => {
      process.exitCode = code;
    },
    (error: unknown) => {
      console.error(`npm run flash: ${error instanceof Error ? error.message : String(error)}`);
      process.exitCode = 2;
    },
  );
}
