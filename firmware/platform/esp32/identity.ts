import FFI from "mc/ffi";

/**
 * The device id: "fieldnode-" and the factory MAC from eFuse
 * (esp_efuse_mac_get_default, declared in manifest.json "ffi.functions"),
 * e.g. "fieldnode-240ac4123456". Unique per chip and stable across updates
 * and erases, so it can name the device's MQTT client and topics.
 */
export function esp32DeviceId(): string {
  const mac = new Uint8Array(6);
  const err = new FFI().esp_efuse_mac_get_default!(mac.buffer) as number;
  if (err !== 0) return "fieldnode";
  let hex = "";
  for (let i = 0; i < mac.length; i++) hex += (mac[i]! < 16 ? "0" : "") + mac[i]!.toString(16);
  return `fieldnode-${hex}`;
}
