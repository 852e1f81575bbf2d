import { BootLoopGuard } from "./boot/boot-loop-guard";
import { HealthChecks } from "./boot/health-check";
import { TrialBoot } from "./boot/trial-boot";
import { TRIAL_DEADLINE_MS, TRIAL_MIN_UPTIME_MS } from "./boot/trial-timing";
import { BUILD_FAULT, FIRMWARE_TARGET, FIRMWARE_VERSION, SECURITY_COUNTER, TECHNICIAN_KEYS, TRUSTED_KEYS } from "./build-info";
import { CommandAuthenticator } from "./commands/command-authenticator";
import { CommandChannel } from "./commands/command-channel";
import { deviceCommands } from "./commands/device-commands";
import { ReplayGuard } from "./commands/replay-guard";
import { RecordStore } from "./config/record-store";
import { Settings, type SettingsSection } from "./config/settings";
import type { Host } from "./host/host";
import type { DigitalIO } from "./host/io";
import type { TimerId } from "./host/timer";
import { registerMapResource, startModbus, type Modbus } from "./modbus/modbus";
import { MODBUS_SETTINGS } from "./modbus/settings";
import { otaStatusOf } from "./modbus/ota-status";
import { serveOtaEndpoint } from "./ota/http-endpoint";
import { InstallRecords } from "./ota/install-record";
import { OtaClient } from "./ota/ota-client";
import { OtaReporter } from "./ota/ota-reporter";
import { parsePublicKeyFile } from "./ota/public-key-file";
import { SecurityFloor } from "./ota/security-floor";
import { TrustStore } from "./ota/trust-store";
import { UPDATE_ERROR_CODES, updateErrorNumber, type UpdateErrorCode } from "./ota/update-errors";
import { sensorSource } from "./sensors/modbus-source";
import { SamplingLoop } from "./sensors/sampling-loop";
import { sensorsSection } from "./sensors/settings";
import { createSamplingLoop } from "./sensors/setup";
import { telemetrySection } from "./telemetry/settings";
import { startTelemetry, type Telemetry } from "./telemetry/setup";

/** How often the event loop proves it is alive to the task watchdog. */
export const WATCHDOG_FEED_INTERVAL_MS = 1000;
/** Status LED: 1 Hz blink while the firmware runs, 4 Hz in safe mode. */
export const HEARTBEAT_INTERVAL_MS = 500;
export const SAFE_MODE_HEARTBEAT_INTERVAL_MS = 125;
export { TRIAL_DEADLINE_MS, TRIAL_MIN_UPTIME_MS };

export interface FieldNode {
  readonly version: string;
  readonly settings: Settings;
  /** Started with only what is needed to repair the device, after a boot loop with no image to return to. */
  readonly safeMode: boolean;
  readonly trial: TrialBoot;
  readonly ota: OtaClient;
  /** What `<prefix>/<id>/ota/status` shows: the update in progress, or what became of the last one. */
  readonly otaReport: OtaReporter;
  /** Signed technician commands from MQTT; absent without telemetry. */
  readonly commands: CommandChannel | undefined;
  /** The Modbus RTU slave on the board's RS-485 port; absent on a board without one. */
  readonly modbus: Modbus | undefined;
  /** The sensor sampling loop (no sensors in safe mode); it also feeds the task watchdog. */
  readonly sensors: SamplingLoop;
  /** MQTT telemetry; absent when disabled, in safe mode, or without a broker. */
  readonly telemetry: Telemetry | undefined;
  /** Releases every timer and IO object the firmware opened. */
  stop(): void;
}

/**
 * The composition root: the one place that wires the firmware's capabilities
 * to the host it runs on. The device entry (main.ts) and the simulator both
 * call it; each capability receives only the parts of the host it needs.
 */
export function start(host: Host): FieldNode {
  const state = host.boot.imageState();
  host.log(
    `fieldnode ${FIRMWARE_VERSION} on ${host.platform}: slot ${host.boot.runningSlot()} (${state}), reset reason ${host.boot.resetReason()}`,
  );

  // First, before anything that could crash: count this boot. A valid image
  // that keeps crashing is rolled back (markInvalidAndReboot does not return on
  // the device), or runs in safe mode when there is nothing to go back to.
  const guard = new BootLoopGuard({
    store: new RecordStore(host.flash.open({ path: "otaprog" }), 2),
    boot: host.boot,
    timer: host.timer,
    log: host.log,
    version: FIRMWARE_VERSION,
  });
  const verdict = guard.check();
  const safeMode = verdict.action === "safe-mode" || (verdict.action === "rollback" && !guard.rollback());
  if (safeMode) host.log(`safe mode: ${verdict.unclean} unclean resets in a row; optional services stay off`);

  if (BUILD_FAULT === "crash-at-boot") {
    // A test build: what a null dereference in a bad release looks like.
    throw new Error("deliberate crash at boot (test build)");
  }

  // Configuration lives in its own partition, untouched by updates, and is
  // written whole or not at all (RecordStore), so a power cut never loses it.
  const settings = new Settings(new RecordStore(host.flash.open({ path: "settings" })), host.log);
  const sequence = settings.load();
  host.log(sequence > 0 ? `settings: loaded record ${sequence}` : "settings: none stored, using defaults");

  // Capabilities register what a new image must prove before it keeps its slot.
  const health = new HealthChecks();
  if (BUILD_FAULT === "fail-self-test") {
    health.add({ name: "build", check: () => "fail" });
  }

  const timers: TimerId[] = [];
  let led: DigitalIO | undefined;
  const ledPin = host.device.pin.led;
  if (ledPin !== undefined) {
    const { Digital } = host.device.io;
    led = new Digital({ pin: ledPin, mode: Digital.Output });
    let level = 0;
    led.write(level);
    const output = led;
    timers.push(
      host.timer.repeat(() => {
        level ^= 1;
        output.write(level);
      }, safeMode ? SAFE_MODE_HEARTBEAT_INTERVAL_MS : HEARTBEAT_INTERVAL_MS),
    );
  }

  // The first feed subscribes the event-loop task to the task watchdog; from
  // then on the sampling loop feeds it (every WATCHDOG_FEED_INTERVAL_MS) only
  // while every sensor keeps its schedule: a loop that stops turning, or a
  // sensor whose timer is lost, gets the device reset.
  host.boot.feedWatchdog();
  const loopParts = {
    timer: host.timer,
    clock: host.clock,
    log: host.log,
    ...(BUILD_FAULT !== "starve-watchdog" ? { feedWatchdog: () => host.boot.feedWatchdog() } : {}),
  };
  const sensors = safeMode ? new SamplingLoop(loopParts, []) : createSamplingLoop({ ...loopParts, board: host.device }, settings.get(sensorsSection));
  sensors.start();
  if (!safeMode) {
    health.add({
      name: "sensors",
      check: () => (sensors.stalledSensor(host.clock.ticks()) === undefined && sensors.sensors.every((s) => s.counters.samples > 0) ? "pass" : "pending"),
    });
  }
  const telemetry = safeMode
    ? undefined
    : startTelemetry(
        {
          timer: host.timer,
          clock: host.clock,
          log: host.log,
          mqtt: host.device.network?.mqtt,
          deviceId: host.deviceId ?? "fieldnode",
          firmware: FIRMWARE_VERSION,
          onCommand: (payload, complete) => onCommand?.(payload, complete),
        },
        settings.get(telemetrySection),
        sensors,
      );
  if (telemetry !== undefined) health.add({ name: "mqtt", check: () => (telemetry.link.counters.connects > 0 ? "pass" : "pending") });
  let onCommand: ((payload: Uint8Array, complete: boolean) => void) | undefined;

  // OTA: signed images only, from the keys this build trusts, never below the
  // anti-rollback floor. Stays available in safe mode: it is how a device is repaired.
  const floor = new SecurityFloor(new RecordStore(host.flash.open({ path: "otaprog" }), 4));
  if (state === "valid" || state === "undefined") floor.raise(SECURITY_COUNTER);
  const trust = new TrustStore(host.crypto);
  for (const text of TRUSTED_KEYS) {
    try {
      const key = trust.add(parsePublicKeyFile(text));
      host.log(`ota: trusting ${key.algorithm} key ${key.keyIdHex}${key.label ? ` (${key.label})` : ""}`);
    } catch (error) {
      host.log(`ota: ignoring a trusted key that does not load: ${error instanceof Error ? error.message : String(error)}`);
    }
  }
  if (TRUSTED_KEYS.length === 0) host.log("ota: this build trusts no signing key; every update will be refused");
  const ota = new OtaClient({
    boot: host.boot,
    flash: host.flash,
    update: host.update,
    http: host.device.network?.http?.io,
    timer: host.timer,
    crypto: host.crypto,
    trust,
    log: host.log,
    target: FIRMWARE_TARGET,
    currentVersion: FIRMWARE_VERSION,
    minSecurityCounter: floor.value,
  });

  // What became of the last install, told by whichever image booted: the new
  // one on trial, or the old one running again after a rollback.
  const otaprog = () => host.flash.open({ path: "otaprog" });
  const installs = new InstallRecords(new RecordStore(otaprog(), 8));
  const runningSlot = host.boot.runningSlot();
  const updateSlot = runningSlot === "ota_0" ? "ota_1" : "ota_0";
  const otaReport = new OtaReporter({
    client: ota,
    clock: host.clock,
    publish: (payload) => telemetry?.link.enqueue(telemetry.topics.ota, payload, 1, true),
    running: FIRMWARE_VERSION,
    slot: runningSlot,
  });
  const install = installs.verdict(host.boot, FIRMWARE_VERSION);
  // A download a reset interrupted resumes now: its reports name the command that started it.
  if (install.kind === "stale") otaReport.nonce = install.record.nonce;
  const resumed = ota.resume();
  if (install.kind === "installed") {
    const { record } = install;
    otaReport.restore(state === "pending-verify" ? "trial" : (record.outcome ?? "confirmed"), { version: record.version, previous: record.from, nonce: record.nonce });
  } else if (install.kind === "rolled-back") {
    const { record } = install;
    const error = record.reason !== undefined
      ? { code: "TRIAL_FAILED", number: UPDATE_ERROR_CODES.TRIAL_FAILED, message: `${record.version} failed its trial: ${record.reason}` }
      : record.outcome === "confirmed"
        ? { code: "ROLLED_BACK", number: UPDATE_ERROR_CODES.ROLLED_BACK, message: `${record.version} kept resetting after it confirmed its trial; the boot-loop guard went back` }
        : { code: "ROLLED_BACK", number: UPDATE_ERROR_CODES.ROLLED_BACK, message: `${record.version} was reset before it confirmed its trial (crash, watchdog or power loss)` };
    if (install.firstReport) {
      host.log(`ota: ${record.version} in ${record.slot} was rolled back; running ${FIRMWARE_VERSION} from ${runningSlot} again (${error.message})`);
      installs.update({ reported: true });
    }
    otaReport.restore("rolled-back", { version: record.version, previous: record.version, nonce: record.nonce, error });
  } else if (install.kind === "stale" && !resumed) {
    otaReport.nonce = null;
    installs.abandon();
  }
  ota.onStatus((status) => {
    if (status.state === "installing" && status.version !== undefined) {
      // Before complete() switches the boot partition: the next boot must find it.
      installs.begin({ version: status.version, slot: updateSlot, from: FIRMWARE_VERSION, fromSlot: runningSlot, nonce: otaReport.nonce, stage: "installing" });
    } else if (status.state === "failed") {
      installs.abandon();
    }
  });
  otaReport.publish();
  const otaServer = host.device.network?.httpServer ? serveOtaEndpoint(host.device.network.httpServer.io, ota) : undefined;

  // Signed technician commands, on the device's MQTT command topic.
  let commands: CommandChannel | undefined;
  if (telemetry !== undefined) {
    const technicianKeys = new TrustStore(host.crypto);
    for (const text of TECHNICIAN_KEYS) {
      try {
        const key = technicianKeys.add(parsePublicKeyFile(text));
        host.log(`command: obeying technician key ${key.keyIdHex}${key.label ? ` (${key.label})` : ""}`);
      } catch (error) {
        host.log(`command: ignoring a technician key that does not load: ${error instanceof Error ? error.message : String(error)}`);
      }
    }
    if (TECHNICIAN_KEYS.length === 0) host.log("command: this build trusts no technician key; every command will be refused");
    const wallSeconds = () => Math.floor(Date.now() / 1000);
    const replay = new ReplayGuard(new RecordStore(otaprog(), 6), wallSeconds);
    const channel = new CommandChannel({
      authenticator: new CommandAuthenticator({ crypto: host.crypto, keys: technicianKeys, guard: replay, deviceId: telemetry.deviceId, now: wallSeconds }),
      handlers: deviceCommands({
        ota,
        restart: () => host.boot.restart(),
        timer: host.timer,
        settings,
        sections: { telemetry: telemetrySection, sensors: sensorsSection, modbus: MODBUS_SETTINGS } as Record<string, SettingsSection<unknown>>,
        guard: replay,
        technicianKeys,
        nameUpdate: (nonce) => {
          const before = otaReport.nonce;
          otaReport.nonce = nonce;
          return before;
        },
        onUpdateStarted: (nonce, version) => {
          installs.begin({ version, slot: updateSlot, from: FIRMWARE_VERSION, fromSlot: runningSlot, nonce, stage: "downloading" });
        },
      }),
      publish: (payload) => telemetry.link.enqueue(telemetry.topics.status, payload, 1, false),
      log: host.log,
    });
    onCommand = (payload, complete) => channel.receive(payload, complete);
    commands = channel;
  }

  // Modbus RTU slave on the RS-485 port. It stays on in safe mode: it is how
  // a technician on site reads the device's state.
  const modbusPort = host.device.serial?.modbus;
  const modbus =
    modbusPort === undefined
      ? undefined
      : startModbus({
          port: modbusPort,
          timer: host.timer,
          clock: host.clock,
          boot: host.boot,
          settings,
          log: host.log,
          version: FIRMWARE_VERSION,
          platform: host.platform,
          mapText: registerMapResource(host.resources ? (name) => host.resources!.read(name) : undefined),
          ota: otaStatusOf({ status: otaReport.status, get busy() { return ota.busy; } }, (code) => updateErrorNumber(code as UpdateErrorCode)),
          sources: { sensors: sensorSource(sensors, host.clock) },
        });
  if (modbus !== undefined) health.add({ name: "modbus", check: () => (modbus.serving ? "pass" : "fail") });

  const trial = new TrialBoot({
    boot: host.boot,
    timer: host.timer,
    clock: host.clock,
    log: host.log,
    checks: health.all,
    deadlineMs: TRIAL_DEADLINE_MS,
    minUptimeMs: TRIAL_MIN_UPTIME_MS,
    onOutcome: (outcome) => {
      if (outcome.state === "confirmed") {
        floor.raise(SECURITY_COUNTER);
        installs.update({ outcome: "confirmed" });
        otaReport.publish("confirmed");
      } else {
        // Saved before the reboot, so the previous image can say why.
        installs.update({ outcome: "rejected", reason: outcome.reason ?? "health checks failed" });
        otaReport.publish("rejected", { code: "TRIAL_FAILED", number: UPDATE_ERROR_CODES.TRIAL_FAILED, message: outcome.reason ?? "health checks failed" });
      }
    },
  });
  trial.start();
  guard.armStableTimer();

  if (BUILD_FAULT === "crash-after-trial") {
    // A test build that passes its trial, then crashes in the field at every boot.
    timers.push(host.timer.set(() => {
      throw new Error("deliberate crash after the trial (test build)");
    }, TRIAL_MIN_UPTIME_MS + 5_000));
  }

  return {
    version: FIRMWARE_VERSION,
    settings,
    safeMode,
    trial,
    ota,
    otaReport,
    commands,
    modbus,
    sensors,
    telemetry,
    stop() {
      telemetry?.stop();
      sensors.stop();
      modbus?.stop();
      trial.stop();
      ota.cancel();
      otaServer?.close();
      guard.stop();
      for (const id of timers) host.timer.clear(id);
      timers.length = 0;
      led?.close();
      led = undefined;
    },
  };
}
