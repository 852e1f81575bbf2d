import type { BootControl } from "../boot/boot-control";
import { RecordStore } from "../config/record-store";
import type { CryptoPort } from "../crypto/crypto-port";
import { toHex } from "../crypto/hex";
import type { HttpClientConstructor } from "../host/http";
import type { FlashPartition, FlashStorage } from "../host/storage";
import type { TimerId, TimerService } from "../host/timer";
import type { UpdateProvider } from "../host/update";
import { parseHttpUrl, type HttpTarget } from "./http-url";
import { MAX_HEADER_LENGTH, type ImageHeader } from "./image-format";
import { ProgressRecord, type DownloadProgress } from "./progress-record";
import { RangeDownload, type DownloadResult } from "./range-download";
import { formatSemver, parseSemver, type Semver } from "./semver";
import { PayloadStaging } from "./staging";
import type { TrustStore } from "./trust-store";
import type { UpdateErrorCode, UpdateFailure } from "./update-errors";
import { ImageVerifier } from "./verifier";

export type OtaState = "idle" | "downloading" | "receiving" | "resuming" | "installing" | "rebooting" | "failed";

export interface OtaStatus {
  state: OtaState;
  /** Image bytes received so far (header included). */
  bytes: number;
  /** Total image bytes, once known. */
  total: number | undefined;
  /** 0-100, whole numbers (never toFixed: XS rounds it wrongly). */
  percent: number;
  /** The version being installed, once its header is authenticated. */
  version: string | undefined;
  /** Why the last update failed, while state is "failed". */
  error: UpdateFailure | undefined;
  /** Download attempts for the current update, retries included. */
  attempt: number;
}

/** An update named by a trigger (the MQTT command, or a technician's tool). */
export interface OtaJob {
  url: string;
  /** Refuse the image unless it is exactly this version. */
  expectVersion?: string;
  /** Refuse the image unless its payload SHA-256 (hex, as `fieldnode inspect` prints) is this. */
  expectSha256?: string;
  /** The technician's explicit consent to install an older version. */
  allowDowngrade?: boolean;
}

export interface OtaClientOptions {
  boot: BootControl;
  flash: FlashStorage;
  update: UpdateProvider;
  http: HttpClientConstructor | undefined;
  timer: TimerService;
  crypto: CryptoPort;
  trust: TrustStore;
  log: (line: string) => void;
  /** This device's target ("esp32/fieldnode"), checked against the image's. */
  target: string;
  currentVersion: string;
  /** Anti-rollback floor for the security counter. */
  minSecurityCounter: number;
  /** Retries of a failed download attempt before giving up. */
  maxRetries?: number;
  /** First retry delay; doubles per retry up to 30 s. */
  retryBaseMs?: number;
  stallMs?: number;
  /** Save download progress every this many payload bytes (rounded to flash blocks). */
  checkpointBytes?: number;
  /** Time between a completed install and the restart, for the status to get out. */
  restartDelayMs?: number;
}

/** A caller pushing an image (the HTTP PUT endpoint). */
export interface ImageReceiver {
  /** Feeds image bytes; returns the failure once the image is refused. */
  write(bytes: Uint8Array): UpdateFailure | undefined;
  /** The sender is done: verifies, installs and schedules the restart. */
  finish(): UpdateFailure | undefined;
  /** The sender went away: abandon the update. */
  abort(reason: string): void;
}

/** Codes worth another attempt: the network, not the image. */
const RETRYABLE: ReadonlySet<UpdateErrorCode> = new Set(["NETWORK", "STALLED", "HTTP_STATUS"]);

interface Session {
  job: OtaJob;
  target: HttpTarget | undefined;
  verifier: ImageVerifier;
  staging: PayloadStaging;
  slotPartition: FlashPartition;
  /** Image bytes consumed so far, header included. */
  position: number;
  /** Payload bytes below this offset are on flash already (a resume): hash them, do not write them. */
  rewriteFrom: number;
  /** Header bytes as received, persisted for a resume. */
  headerLength: number;
  imageLength: number | undefined;
  durable: number;
  resumed: boolean;
  header: ImageHeader | undefined;
  refusal: UpdateFailure | undefined;
}

/**
 * The OTA client: fetches or receives a signed image, lets the streaming
 * verifier authenticate its header before a single byte of the inactive slot
 * is erased, stages the payload into that slot, and only when length, CRC-32,
 * SHA-256 and signature all match hands it to ESP-IDF (esp_ota_end validates
 * it, set_boot_partition switches) and restarts into the trial boot.
 *
 * Downloads resume: within a session from the exact byte where a connection
 * broke (HTTP Range), and across reboots from the last checkpoint saved in
 * the otaprog partition, after re-hashing what the slot already holds.
 */
export class OtaClient {
  readonly #options: OtaClientOptions;
  readonly #progress: ProgressRecord;
  readonly #buffer = new Uint8Array(4096);
  readonly #headerBytes = new Uint8Array(MAX_HEADER_LENGTH);
  readonly #download: RangeDownload | undefined;
  readonly #listeners = new Set<(status: OtaStatus) => void>();
  readonly #status: OtaStatus = { state: "idle", bytes: 0, total: undefined, percent: 0, version: undefined, error: undefined, attempt: 0 };
  #session: Session | undefined;
  #retry: TimerId | undefined;
  #lastReported = -1;

  constructor(options: OtaClientOptions) {
    this.#options = options;
    this.#progress = new ProgressRecord(new RecordStore(options.flash.open({ path: "otaprog" }), 0));
    this.#download = options.http
      ? new RangeDownload({ http: options.http, timer: options.timer, stallMs: options.stallMs ?? 15_000, buffer: this.#buffer })
      : undefined;
  }

  get status(): Readonly<OtaStatus> {
    return this.#status;
  }

  get busy(): boolean {
    return this.#session !== undefined;
  }

  onStatus(listener: (status: OtaStatus) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** At boot: continues a download a reset interrupted, if its record is still current. */
  resume(): boolean {
    const progress = this.#progress.load();
    if (progress === undefined) return false;
    const { log, boot } = this.#options;
    if (progress.slot !== boot.runningSlot() || boot.imageState() === "pending-verify") {
      // The image that was being downloaded is now running (or on trial): that update is over.
      log(`ota: dropping the progress record for ${progress.url} (slot ${progress.slot} is no longer the one running)`);
      this.#progress.clear();
      return false;
    }
    const job: OtaJob = {
      url: progress.url,
      ...(progress.expectVersion !== undefined ? { expectVersion: progress.expectVersion } : {}),
      ...(progress.expectSha256 !== undefined ? { expectSha256: progress.expectSha256 } : {}),
    };
    const refused = this.#open(job, "resuming");
    if (refused !== undefined) {
      log(`ota: cannot resume ${progress.url}: ${refused.message}`);
      this.#progress.clear();
      return false;
    }
    const session = this.#session!;
    log(`ota: resuming ${progress.url} at payload byte ${progress.durable} of ${progress.imageLength - progress.header.length}; re-hashing what is on flash`);
    const failure = this.#rehash(session, progress);
    if (failure !== undefined) {
      // What is on flash does not match what was recorded: start over, from nothing.
      log(`ota: ${failure.message}; downloading the whole image again`);
      this.#progress.clear();
      this.#session = undefined;
      return this.startDownload(job) === undefined;
    }
    this.#attempt(session);
    return true;
  }

  /** Starts downloading `job`; returns why not when it cannot start. */
  startDownload(job: OtaJob): UpdateFailure | undefined {
    if (this.#download === undefined) return { code: "BAD_REQUEST", message: "this device has no HTTP client" };
    const refused = this.#open(job, "downloading");
    if (refused !== undefined) return refused;
    this.#options.log(`ota: downloading ${job.url}`);
    this.#attempt(this.#session!);
    return undefined;
  }

  /** Starts receiving an image pushed to the device (HTTP PUT of `length` bytes). */
  receive(length: number | undefined): ImageReceiver | UpdateFailure {
    const refused = this.#open({ url: "http-put" }, "receiving");
    if (refused !== undefined) return refused;
    const session = this.#session!;
    if (length !== undefined) this.#setTotal(session, length);
    this.#options.log(`ota: receiving an image${length !== undefined ? ` of ${length} bytes` : ""}`);
    return {
      write: (bytes) => {
        if (this.#session !== session) return { code: "BAD_REQUEST", message: "the update was abandoned" };
        const failure = this.#consume(session, bytes);
        if (failure !== undefined) this.#fail(failure);
        return failure;
      },
      finish: () => {
        if (this.#session !== session) return session.refusal ?? { code: "BAD_REQUEST", message: "the update was abandoned" };
        return this.#complete(session);
      },
      abort: (reason) => {
        if (this.#session === session) this.#fail({ code: "NETWORK", message: reason });
      },
    };
  }

  /** Abandons the update in progress (power domain teardown, or a technician's cancel). */
  cancel(): void {
    this.#download?.cancel();
    if (this.#retry !== undefined) this.#options.timer.clear(this.#retry);
    this.#retry = undefined;
    this.#session = undefined;
  }

  #open(job: OtaJob, state: OtaState): UpdateFailure | undefined {
    const { boot, flash, crypto, trust, target, minSecurityCounter } = this.#options;
    if (this.#session !== undefined) return { code: "BUSY", message: `an update is already ${this.#status.state}` };
    if (boot.imageState() === "pending-verify") {
      return { code: "NOT_CONFIRMED", message: "the running image is still on trial; updates start once it is confirmed" };
    }
    let parsedTarget: HttpTarget | undefined;
    if (state !== "receiving") {
      const parsed = parseHttpUrl(job.url);
      if (typeof parsed === "string") return { code: "BAD_REQUEST", message: parsed };
      parsedTarget = parsed;
    }
    if (job.expectVersion !== undefined && typeof parseSemver(job.expectVersion) === "string") {
      return { code: "BAD_REQUEST", message: `expected version "${job.expectVersion}" is not semver` };
    }
    if (job.expectSha256 !== undefined && !/^[0-9a-f]{64}$/.test(job.expectSha256)) {
      return { code: "BAD_REQUEST", message: "expected SHA-256 must be 64 lower-case hex digits" };
    }
    const current = parseSemver(this.#options.currentVersion);
    let slotPartition: FlashPartition;
    try {
      slotPartition = flash.open({ path: "nextota" });
    } catch (error) {
      return { code: "FLASH", message: `cannot open the inactive app slot: ${error instanceof Error ? error.message : String(error)}` };
    }
    const staging = new PayloadStaging(slotPartition);
    // The session object is built before the verifier so its callbacks can reach it.
    const session = { job, target: parsedTarget, staging, slotPartition } as Session;
    session.position = 0;
    session.rewriteFrom = 0;
    session.headerLength = 0;
    session.imageLength = undefined;
    session.durable = 0;
    session.resumed = state === "resuming";
    session.header = undefined;
    session.refusal = undefined;
    session.verifier = new ImageVerifier({
      crypto,
      trust,
      policy: {
        target,
        currentVersion: typeof current === "string" ? null : current,
        minSecurityCounter,
        allowDowngrade: job.allowDowngrade === true,
        maxPayloadLength: staging.capacity,
      },
      onHeader: (header) => this.#onHeader(session, header),
      onPayload: (bytes, at) => this.#onPayload(session, bytes, at),
    });
    this.#session = session;
    Object.assign(this.#status, { state, bytes: 0, total: undefined, percent: 0, version: undefined, error: undefined, attempt: 0 });
    this.#lastReported = -1;
    this.#report(true);
    return undefined;
  }

  #attempt(session: Session): void {
    const download = this.#download!;
    this.#status.attempt++;
    this.#status.state = "downloading";
    download.start(
      session.target!,
      session.position,
      {
        total: (length) => {
          if (length === undefined) return;
          if (session.imageLength === undefined) this.#setTotal(session, length);
          else if (length !== session.imageLength) {
            session.refusal = { code: "LENGTH_MISMATCH", message: `the server now has ${length} bytes; this download started with ${session.imageLength}` };
          }
        },
        data: (bytes) => session.refusal ?? this.#consume(session, bytes),
      },
      (result) => this.#attemptDone(session, result),
    );
  }

  #attemptDone(session: Session, result: DownloadResult): void {
    if (this.#session !== session) return;
    if (result.ok) {
      this.#complete(session);
      return;
    }
    const retries = this.#options.maxRetries ?? 5;
    if (RETRYABLE.has(result.code) && this.#status.attempt <= retries) {
      const delay = Math.min(30_000, (this.#options.retryBaseMs ?? 1_000) * 2 ** (this.#status.attempt - 1));
      this.#options.log(`ota: attempt ${this.#status.attempt} failed (${result.code}: ${result.message}); resuming at byte ${session.position} in ${delay} ms`);
      this.#retry = this.#options.timer.set(() => {
        this.#retry = undefined;
        if (this.#session === session) this.#attempt(session);
      }, delay);
      return;
    }
    if (RETRYABLE.has(result.code)) {
      this.#fail({ code: "RETRIES_EXHAUSTED", message: `gave up after ${this.#status.attempt} attempts; last: ${result.code}: ${result.message}` });
      return;
    }
    this.#fail(result);
  }

  #setTotal(session: Session, length: number): void {
    session.imageLength = length;
    session.verifier.begin(length);
    this.#status.total = length;
  }

  /** Image bytes in stream order, whoever delivers them. */
  #consume(session: Session, bytes: Uint8Array): UpdateFailure | undefined {
    if (session.imageLength === undefined && session.position === 0) session.verifier.begin();
    if (session.position < MAX_HEADER_LENGTH) {
      const take = Math.min(bytes.length, MAX_HEADER_LENGTH - session.position);
      this.#headerBytes.set(take === bytes.length ? bytes : bytes.subarray(0, take), session.position);
    }
    session.position += bytes.length;
    this.#status.bytes = session.position;
    const accepted = session.verifier.write(bytes);
    if (session.refusal !== undefined) return session.refusal;
    if (!accepted) return session.verifier.failure;
    this.#report(false);
    return undefined;
  }

  #onHeader(session: Session, header: ImageHeader): void {
    const version = formatSemver(header.version);
    const { job } = session;
    if (job.expectVersion !== undefined && !sameVersion(header.version, job.expectVersion)) {
      session.refusal = { code: "NOT_REQUESTED", message: `image is version ${version}, the trigger asked for ${job.expectVersion}` };
      return;
    }
    if (job.expectSha256 !== undefined && toHex(header.payloadSha256) !== job.expectSha256) {
      session.refusal = { code: "NOT_REQUESTED", message: `image payload SHA-256 ${toHex(header.payloadSha256)} is not the one the trigger named` };
      return;
    }
    session.header = header;
    session.headerLength = header.headerLength;
    this.#status.version = version;
    this.#options.log(`ota: header of ${version} authenticated (key ${toHex(header.keyId)}, ${header.payloadLength}-byte payload)`);
    if (!session.resumed && session.target !== undefined) this.#checkpoint(session, 0);
  }

  #onPayload(session: Session, bytes: Uint8Array, at: number): void {
    if (session.refusal !== undefined) return;
    const end = at + bytes.length;
    if (end <= session.rewriteFrom) return;
    const write = at >= session.rewriteFrom ? bytes : bytes.subarray(session.rewriteFrom - at);
    const offset = Math.max(at, session.rewriteFrom);
    try {
      session.staging.write(write, offset);
    } catch (error) {
      // Reported through #consume, which checks the refusal after every write.
      session.refusal = { code: "FLASH", message: `writing the inactive slot at ${offset}: ${error instanceof Error ? error.message : String(error)}` };
      return;
    }
    if (session.target === undefined) return;
    const every = this.#options.checkpointBytes ?? 64 * 1024;
    const block = session.staging.blockLength;
    const durable = Math.floor(end / block) * block;
    if (durable - session.durable >= every) this.#checkpoint(session, durable);
  }

  #checkpoint(session: Session, durable: number): void {
    session.durable = durable;
    const progress: DownloadProgress = {
      url: session.job.url,
      slot: this.#options.boot.runningSlot(),
      imageLength: session.imageLength ?? session.headerLength + (session.header?.payloadLength ?? 0),
      header: this.#headerBytes.slice(0, session.headerLength),
      durable,
      ...(session.job.expectVersion !== undefined ? { expectVersion: session.job.expectVersion } : {}),
      ...(session.job.expectSha256 !== undefined ? { expectSha256: session.job.expectSha256 } : {}),
    };
    this.#progress.save(progress);
  }

  /** Feeds the recorded header and the payload already on flash through a fresh verifier. */
  #rehash(session: Session, progress: DownloadProgress): UpdateFailure | undefined {
    this.#setTotal(session, progress.imageLength);
    session.rewriteFrom = progress.durable;
    const failure = this.#consume(session, progress.header);
    if (failure !== undefined) return failure;
    if (session.header === undefined) return { code: "TRUNCATED", message: "the recorded header is incomplete" };
    const buffer = this.#buffer;
    for (let offset = 0; offset < progress.durable; offset += buffer.length) {
      const view = progress.durable - offset >= buffer.length ? buffer : buffer.subarray(0, progress.durable - offset);
      session.staging.read(view, offset);
      const refused = this.#consume(session, view);
      if (refused !== undefined) return refused;
    }
    session.staging.resumeAt(progress.durable);
    session.durable = progress.durable;
    return undefined;
  }

  #complete(session: Session): UpdateFailure | undefined {
    const outcome = session.verifier.finish();
    if (!outcome.ok) {
      if (session.resumed && (outcome.code === "DIGEST_MISMATCH" || outcome.code === "CRC_MISMATCH")) {
        // Bytes on flash from before the reset were not what the header signs: download it all again.
        this.#options.log(`ota: ${outcome.message} after resuming; downloading the whole image again`);
        const job = session.job;
        this.#session = undefined;
        this.#progress.clear();
        const restart = this.startDownload(job);
        if (restart === undefined) return undefined;
        return this.#fail(restart);
      }
      return this.#fail(outcome);
    }
    if (session.refusal !== undefined) return this.#fail(session.refusal);
    this.#status.state = "installing";
    this.#report(true);
    const failure = this.#install(session, outcome.header);
    if (failure !== undefined) return this.#fail(failure);
    this.#progress.clear();
    this.#session = undefined;
    this.#status.state = "rebooting";
    this.#status.percent = 100;
    this.#report(true);
    this.#options.log(`ota: ${formatSemver(outcome.header.version)} installed; restarting into its trial boot`);
    this.#options.timer.set(() => this.#options.boot.restart(), this.#options.restartDelayMs ?? 1_000);
    return undefined;
  }

  /**
   * The payload is in the slot and verified. ESP-IDF must still validate it
   * and switch the boot partition; that goes through embedded:update, whose
   * append mode rewrites the first block (erase, then the same bytes read
   * back) and whose complete() is esp_ota_end + esp_ota_set_boot_partition.
   */
  #install(session: Session, header: ImageHeader): UpdateFailure | undefined {
    const first = Math.min(session.staging.blockLength, header.payloadLength);
    const head = first === this.#buffer.length ? this.#buffer : this.#buffer.subarray(0, first);
    try {
      session.staging.read(head, 0);
    } catch (error) {
      return { code: "FLASH", message: `reading back the slot: ${error instanceof Error ? error.message : String(error)}` };
    }
    let update;
    try {
      update = this.#options.update.open({ partition: session.slotPartition, mode: "a" });
    } catch (error) {
      return { code: "BOOT_SWITCH", message: `embedded:update refused to begin: ${describe(error)}` };
    }
    try {
      update.write(head);
      update.complete();
    } catch (error) {
      update.close();
      return { code: "BOOT_SWITCH", message: `ESP-IDF refused the image: ${describe(error)}` };
    }
    return undefined;
  }

  #fail(failure: UpdateFailure): UpdateFailure {
    const session = this.#session;
    this.#download?.cancel();
    this.#session = undefined;
    if (session !== undefined) session.refusal ??= failure;
    this.#progress.clear();
    this.#status.state = "failed";
    this.#status.error = { code: failure.code, message: failure.message };
    this.#options.log(`ota: failed: ${failure.code}: ${failure.message}`);
    this.#report(true);
    return failure;
  }

  /** Status to listeners: on every state change, and every whole percent of progress. */
  #report(force: boolean): void {
    const { total, bytes } = this.#status;
    if (total !== undefined && total > 0) this.#status.percent = Math.min(100, Math.floor((bytes * 100) / total));
    if (!force && this.#status.percent === this.#lastReported) return;
    this.#lastReported = this.#status.percent;
    for (const listener of this.#listeners) listener(this.#status);
  }
}

function sameVersion(version: Semver, text: string): boolean {
  const other = parseSemver(text);
  return typeof other !== "string" && formatSemver(version) === formatSemver(other);
}

function describe(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const cause = (error as Error & { cause?: unknown }).cause;
  return cause instanceof Error ? `${error.message} (${cause.message})` : error.message;
}
