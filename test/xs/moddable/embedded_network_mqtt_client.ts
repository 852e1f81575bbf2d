/**
 * Moddable's ECMA-419 MQTT client, for the device bundle's module graph. The
 * device has no broker configured by default, so nothing connects; a
 * construction is recorded and then fails as a connection without a network
 * would: onError, asynchronously.
 */
export const constructed: Array<{ host: unknown; port: unknown; socket: boolean; dns: boolean }> = [];

export default class MQTTClient {
  constructor(options: { host?: unknown; port?: unknown; socket?: unknown; dns?: unknown; onError?: (this: MQTTClient) => void }) {
    constructed.push({ host: options.host, port: options.port, socket: options.socket !== undefined, dns: options.dns !== undefined });
    const onError = options.onError;
    if (onError) void Promise.resolve().then(() => onError.call(this));
  }
  write(): number {
    throw new Error("not connected");
  }
  read(): undefined {
    return undefined;
  }
  close(): void {}
}
