import TCP from "embedded:io/socket/tcp";
import UDP from "embedded:io/socket/udp";
import Resolver from "embedded:network/dns/resolver/udp";
import MQTTClient from "embedded:network/mqtt/client";
import type { MqttClientConstructor, MqttClientOptions, MqttProvider } from "../../net/mqtt";

/** Resolvers used when DHCP gives none: the site's, then a public one. */
const DNS = { io: Resolver, servers: ["1.1.1.1", "8.8.8.8"], socket: { io: UDP } };

/**
 * Moddable's ECMA-419 MQTT client (examples/io/tcp/mqttclient, listed in the
 * manifest as embedded:network/mqtt/client) with TCP sockets and the UDP DNS
 * resolver injected, as its example configuration does. No default broker:
 * the device publishes once its settings name one (telemetry.broker).
 */
class Esp32MqttClient extends (MQTTClient as unknown as new (options: Record<string, unknown>) => object) {
  constructor(options: MqttClientOptions) {
    super({ ...options, socket: { io: TCP }, dns: DNS });
  }
}

export function createEsp32Mqtt(): MqttProvider {
  return { io: Esp32MqttClient as unknown as MqttClientConstructor };
}
