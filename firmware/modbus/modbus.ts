/**
 * The Modbus capability as the composition root starts it: the persisted
 * settings, the register map (a map resource when the host has one, else
 * the default), the server and the RTU slave on the board's Modbus UART.
 */
import type { BootControl } from "../boot/boot-control";
import type { Settings } from "../config/settings";
import { decodeUtf8 } from "../core/utf8";
import type { SerialPortDescription } from "../host/io";
import type { Clock, TimerService } from "../host/timer";
import { ModbusConfig } from "./config-source";
import { DEFAULT_REGISTER_MAP } from "./default-map";
import { deviceSource } from "./device-source";
import { parseRegisterMapJson } from "./map-schema";
import { OTA_IDLE, otaSource, type OtaStatus } from "./ota-status";
import { compileRegisterMap, type RegisterMap } from "./register-map";
import { RtuSlave } from "./rtu-slave";
import { ModbusServer } from "./server";
import { BOOT_COUNT, MODBUS_SETTINGS, describeLine, sameLine, type ModbusSettings } from "./settings";
import type { SourceRegistry } from "./sources";
import { SENSORS_SOURCE, describeSensorSource } from "../sensors/modbus-source";

/** The resource a host may provide to replace the default map. */
export const REGISTER_MAP_RESOURCE = "modbus-map.json";

export interface ModbusOptions {
  port: SerialPortDescription;
  timer: TimerService;
  clock: Clock;
  boot: BootControl;
  settings: Settings;
  log: (line: string) => void;
  version: string;
  platform: string;
  /** A register map document (JSON text); invalid ones are reported and the default is served. */
  mapText?: string;
  /** OTA progress for the status block; idle until the OTA client provides it. */
  ota?: () => OtaStatus;
  /** More sources for maps to bind to (the sensor channels). */
  sources?: SourceRegistry;
}

export interface Modbus {
  readonly server: ModbusServer;
  readonly slave: RtuSlave;
  readonly map: RegisterMap;
  readonly settings: ModbusSettings;
  /** The UART opened: what the trial boot's health check asks. */
  readonly serving: boolean;
  /** Validates, persists and applies new settings (line changes wait for a reply in progress). */
  configure(next: Partial<ModbusSettings>): ModbusSettings;
  stop(): void;
}

export function startModbus(options: ModbusOptions): Modbus {
  const { settings, log } = options;
  const bootCount = settings.get(BOOT_COUNT) + 1;
  settings.set(BOOT_COUNT, bootCount);

  let current = settings.get(MODBUS_SETTINGS);
  const ota = options.ota ?? (() => OTA_IDLE);
  const config = new ModbusConfig(current, () => ota().inProgress);
  let server: ModbusServer | undefined;
  // The sensors source comes first so a device without sensors (disabled,
  // safe mode) still serves the default map, its channels reading invalid.
  const sources: SourceRegistry = {
    [SENSORS_SOURCE]: describeSensorSource(),
    ...options.sources,
    device: deviceSource({ clock: options.clock, boot: options.boot, version: options.version, bootCount: () => bootCount, server: () => server! }),
    config: config.source,
    ota: otaSource(ota),
  };

  let map: RegisterMap | undefined;
  if (options.mapText !== undefined) {
    try {
      map = compileRegisterMap(parseRegisterMapJson(options.mapText), sources);
      log(`modbus: register map ${REGISTER_MAP_RESOURCE} loaded (${map.spec.blocks.length} blocks)`);
    } catch (error) {
      log(`modbus: ${REGISTER_MAP_RESOURCE} rejected, serving the default map: ${error instanceof Error ? error.message : String(error)}`);
    }
  }
  map ??= compileRegisterMap(DEFAULT_REGISTER_MAP, sources);

  server = new ModbusServer({
    map,
    address: current.address,
    identity: {
      vendorName: "fieldnode",
      productCode: "fieldnode",
      majorMinorRevision: options.version,
      productName: "fieldnode field node",
      modelName: options.platform === "esp32" ? "ESP32" : `fieldnode (${options.platform})`,
      userApplicationName: "fieldnode firmware",
    },
    serverInfo: `fieldnode ${options.version} (${options.platform})`,
  });
  const theServer = server;

  const apply = (next: ModbusSettings): void => {
    settings.set(MODBUS_SETTINGS, next);
    const previous = current;
    current = next;
    config.current = next;
    theServer.address = next.address;
    if (!sameLine(previous, next)) {
      log(`modbus: line now ${describeLine(next)}`);
      slave.reconfigure(next);
    }
    if (previous.address !== next.address) log(`modbus: address now ${next.address}`);
  };

  const slave: RtuSlave = new RtuSlave({
    port: options.port,
    timer: options.timer,
    clock: options.clock,
    server: theServer,
    log,
    afterTransaction() {
      const staged = config.takeStaged();
      if (staged === undefined) return;
      try {
        apply(MODBUS_SETTINGS.validate(staged));
      } catch (error) {
        log(`modbus: settings written over Modbus not applied: ${error instanceof Error ? error.message : String(error)}`);
      }
    },
  });

  let serving = false;
  try {
    slave.open(current);
    serving = true;
    log(`modbus: RTU slave ${current.address} on UART${options.port.port}, ${describeLine(current)}`);
  } catch (error) {
    log(`modbus: cannot open UART${options.port.port}: ${error instanceof Error ? error.message : String(error)}`);
  }

  return {
    server: theServer,
    slave,
    map,
    get settings() {
      return current;
    },
    get serving() {
      return serving;
    },
    configure(next) {
      const merged = MODBUS_SETTINGS.validate({
        ...current,
        ...(next.parity !== undefined && next.stopBits === undefined ? { stopBits: undefined } : {}),
        ...next,
      });
      apply(merged);
      return merged;
    },
    stop() {
      slave.close();
      serving = false;
    },
  };
}

/**
 * The sources a map can bind to on this firmware, with inert values: for
 * checking a map file before it is given to a device (the simulator's
 * --register-map, the technician tools).
 */
export function describeSources(extra?: SourceRegistry): SourceRegistry {
  const clock: Clock = { ticks: () => 0 };
  const boot: BootControl = {
    runningSlot: () => "ota_0",
    imageState: () => "valid",
    slotState: () => "undefined",
    markValid: () => {},
    markInvalidAndReboot: () => {},
    restart: () => {},
    resetReason: () => "power-on",
    feedWatchdog: () => {},
  };
  const server = new ModbusServer({
    map: compileRegisterMap({ blocks: [] }, {}),
    address: 1,
    identity: { vendorName: "", productCode: "", majorMinorRevision: "" },
  });
  return {
    ...extra,
    device: deviceSource({ clock, boot, version: "0.0.0", bootCount: () => 0, server: () => server }),
    config: new ModbusConfig({ address: 1, baud: 19200, parity: "even", stopBits: 1 }, () => false).source,
    ota: otaSource(() => OTA_IDLE),
  };
}

/** The map text a host offers as a resource, if any. */
export function registerMapResource(read: ((name: string) => Uint8Array | undefined) | undefined): string | undefined {
  const bytes = read?.(REGISTER_MAP_RESOURCE);
  return bytes === undefined ? undefined : decodeUtf8(bytes);
}
