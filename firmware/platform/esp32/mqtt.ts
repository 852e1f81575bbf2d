import TCP from "embedded:io/socket/tcp";
import UDP from "embedded:io/socket/udp";
import Resolver from "embedded:network/dns/resolver/udp";
import MQTTClient from "embedded:network/mqtt/client";
import config from "mc/config";
import type { MqttClientConstructor, MqttClientOptions, MqttProvider } from "../../net/mqtt";
import { parseBroker } from "../../telemetry/settings";

/** Resolvers used when DHCP gives none: the site's, then a public one. */
const DNS = { io: Resolver, servers: ["1.1.1.1", "8.8.8.8"], socket: { io: UDP } };

/**
 * Moddable's ECMA-419 MQTT client (examples/io/tcp/mqttclient, listed in the
 * manifest as embedded:network/mqtt/client) with TCP sockets and the UDP DNS
 * resolver injected, as its example configuration does.
 */
class Esp32MqttClient extends (MQTTClient as unknown as new (options: Record<string, unknown>) => object) {
  constructor(options: MqttClientOptions) {
    super({ ...options, socket: { io: TCP }, dns: DNS });
  }
}

/**
 * The broker flashed in with the build (`npm run flash -- broker=mqtt://host:port`,
 * Moddable's mc/config), used while the settings name none: a fresh device
 * needs a broker before it can receive the signed config.set that names another.
 */
export function createEsp32Mqtt(): MqttProvider {
  const flashed = typeof config.broker === "string" ? parseBroker(config.broker) : undefined;
  if (typeof config.broker === "string" && config.broker !== "" && flashed === undefined) trace(`mqtt: ignoring config broker "${config.broker}": not mqtt://host[:port]\n`);
  return { io: Esp32MqttClient as unknown as MqttClientConstructor, ...flashed };
}
