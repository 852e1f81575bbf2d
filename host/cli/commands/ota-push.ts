/**
 * `fieldnode ota push`: updates one device over MQTT and follows it to the
 * end of its trial. See PUSH_USAGE.
 */
import { basename } from "node:path";
import { OtaError } from "../../../firmware/ota/errors";
import { parseSemver } from "../../../firmware/ota/semver";
import { imageFacts, type ImageFacts } from "../../ota/image-facts";
import { timeoutsFor, updateDevice, type DeviceUpdateOutcome, type OtaJob } from "../../ota/device-update";
import { PushPrinter, type PrintMode } from "../../ota/push-printer";
import { settleRetained } from "../../ota/retained-settle";
import { formatBytes } from "../../ota/progress-format";
import { startImageServer, type RunningImageServer } from "../../serve/image-server";
import type { DeviceView } from "../../commands/device-watch";
import { CliError, EXIT, type CliIo } from "../command";
import { BROKER_OPTIONS, BROKER_USAGE, brokerOption, deviceOption, isTerminal, loadTechnicianKey, prefixOption, secondsOption, withDevices } from "./ota-shared";
import { parseCommandLine, readInput } from "./parse-options";

export const PUSH_USAGE = `usage: fieldnode ota push --device ID --key TECHNICIAN.pem (--image FILE.bin | --url URL --version V --sha256 HEX)
                         [--broker URL] [--prefix P] [--serve-host HOST] [--timeout S] [--allow-downgrade] [--json]

Sends a signed ota.start to one device, then follows the update: download,
install, restart, trial, until the device confirms the new image (exit 0),
or the update fails or is rolled back (exit 1).

  --device ID        the device (its MQTT id, as in <prefix>/ID/status)
  --key FILE         the technician's Ed25519 private key (fieldnode keygen --type ed25519)
  --image FILE       a signed image (fieldnode sign): served from this machine while the
                     device downloads it; version and SHA-256 come from its header
  --url URL          ...or an image already served elsewhere, with
  --version V          the version its header must carry, and
  --sha256 HEX         its payload SHA-256 (as fieldnode inspect prints it)
  --serve-host HOST  the address of this machine the device can reach (default 127.0.0.1:
                     right for simulated devices; give the LAN address for real ones)
  --timeout S        seconds to wait for the device to answer, and for each report while it
                     downloads (default 30; its trial may take up to 60 s more)
  --allow-downgrade  let the device install an older version than it runs
${BROKER_USAGE}
  --json             one JSON event per line: command-result, state, progress, outcome

Exit: 0 confirmed, 1 refused / failed / rolled back, 2 bad command line,
3 broker unreachable or the device never answered.
`;

interface ImageSource {
  job: OtaJob;
  facts: ImageFacts | undefined;
  server: RunningImageServer | undefined;
}

/** Reads the image header and, with --image, starts serving it. */
export async function prepareImage(values: { image?: string; url?: string; version?: string; sha256?: string; "serve-host"?: string; "allow-downgrade"?: boolean }, command: string): Promise<ImageSource> {
  const allowDowngrade = values["allow-downgrade"] === true;
  if (values.image !== undefined) {
    if (values.url !== undefined || values.version !== undefined || values.sha256 !== undefined) {
      throw new CliError(`give either --image, or --url with --version and --sha256, not both; see 'fieldnode ${command} --help'`, EXIT.usage);
    }
    const facts = readImageFacts(values.image);
    const host = values["serve-host"] ?? "127.0.0.1";
    let server: RunningImageServer;
    try {
      server = await startImageServer({ files: [values.image], host, port: 0 });
    } catch (error) {
      throw new CliError(`cannot serve ${values.image} on ${host}: ${error instanceof Error ? error.message : String(error)}; --serve-host must be an address of this machine`, EXIT.io);
    }
    const url = `${server.url}/${encodeURIComponent(basename(values.image))}`;
    return { job: { url, version: facts.version, sha256: facts.sha256, allowDowngrade }, facts, server };
  }
  if (values.url === undefined) throw new CliError(`give --image FILE, or --url with --version and --sha256; see 'fieldnode ${command} --help'`, EXIT.usage);
  if (values["serve-host"] !== undefined) throw new CliError("--serve-host goes with --image (with --url the image is served elsewhere)", EXIT.usage);
  if (!/^https?:\/\/[^/\s]+\/\S*$/.test(values.url)) throw new CliError(`--url "${values.url}" is not an http:// URL of an image`, EXIT.usage);
  if (values.version === undefined || values.sha256 === undefined) throw new CliError("--url needs --version and --sha256 (fieldnode inspect IMAGE prints both)", EXIT.usage);
  if (typeof parseSemver(values.version) === "string") throw new CliError(`--version "${values.version}" is not a semantic version like 2.1.0`, EXIT.usage);
  if (!/^[0-9a-fA-F]{64}$/.test(values.sha256)) throw new CliError("--sha256 takes the 64 hex digits of the payload SHA-256 (fieldnode inspect IMAGE prints it)", EXIT.usage);
  return { job: { url: values.url, version: values.version, sha256: values.sha256.toLowerCase(), allowDowngrade }, facts: undefined, server: undefined };
}

export function readImageFacts(path: string): ImageFacts {
  const bytes = new Uint8Array(readInput(path, "image"));
  try {
    return imageFacts(bytes);
  } catch (error) {
    if (error instanceof OtaError) throw new CliError(`${path} is not a fieldnode OTA image (${error.code}: ${error.message}); make one with fieldnode sign`, EXIT.usage);
    throw error;
  }
}

/** Exit code of an update's outcome. */
export function exitCodeOf(outcome: DeviceUpdateOutcome): number {
  if (outcome.result === "confirmed") return EXIT.ok;
  if (outcome.result === "no-answer" || outcome.result === "stalled") return EXIT.io;
  return EXIT.failed;
}

/** What to check when a device stays silent, from what the broker knows of it. */
export function silenceHint(view: DeviceView | undefined, prefix: string): string {
  if (view === undefined) return `the broker has no status for it under ${prefix}/: check the device id, --prefix and --broker`;
  if (view.online === false) return "its last status is offline: check that it is powered and connected";
  return "it is online: check that its firmware takes signed commands and that its clock is set";
}

export async function runPush(argv: readonly string[], io: CliIo): Promise<number> {
  const { values } = parseCommandLine("ota push", {
    args: [...argv],
    options: {
      device: { type: "string" },
      key: { type: "string" },
      image: { type: "string" },
      url: { type: "string" },
      version: { type: "string" },
      sha256: { type: "string" },
      "serve-host": { type: "string" },
      timeout: { type: "string" },
      "allow-downgrade": { type: "boolean", default: false },
      ...BROKER_OPTIONS,
    },
    allowPositionals: false,
    strict: true,
  });
  const device = deviceOption("ota push", values.device);
  const broker = brokerOption("ota push", values.broker);
  const prefix = prefixOption(values.prefix);
  const timeoutS = secondsOption("ota push", "--timeout", values.timeout, 30);
  const key = loadTechnicianKey("ota push", values.key);
  const json = values.json === true;
  const source = await prepareImage(values, "ota push");
  const mode: PrintMode = json ? "json" : isTerminal() ? "bar" : "lines";
  const printer = new PushPrinter(mode, io.stdout, device, source.job.version);
  // The trial is 15 s or more of silence from the device: the live line keeps counting.
  const ticker = mode === "bar" ? setInterval(() => printer.tick(), 1000) : undefined;
  try {
    const { outcome, view } = await withDevices(broker, prefix, [device], timeoutS, async (connection, watch) => {
      if (!json) {
        if (source.server !== undefined && source.facts !== undefined) {
          io.stdout(`serving fieldnode ${source.facts.version} (${formatBytes(source.facts.size)}, payload SHA-256 ${source.facts.sha256.slice(0, 16)}...) at ${source.job.url}\n`);
        }
        io.stdout(`sending ota.start ${source.job.version} to ${device} via ${broker.display} (technician key ${key.keyIdHex})\n`);
      }
      // Its retained report says which version it runs now (the "from" of the update).
      await settleRetained(watch, { expect: [device], maxMs: 1_000 });
      const outcome = await updateDevice({ connection, watch, key }, device, source.job, { timeouts: timeoutsFor(timeoutS), onEvent: (event) => printer.event(event) });
      return { outcome, view: watch.get(device) };
    });
    const exit = exitCodeOf(outcome);
    if (exit === EXIT.io) {
      if (json) printer.outcome(outcome, exit);
      throw new CliError(`${outcome.error?.message ?? "no answer"}; ${silenceHint(view, prefix)}`, EXIT.io);
    }
    printer.outcome(outcome, exit);
    return exit;
  } finally {
    clearInterval(ticker);
    await source.server?.close();
  }
}
