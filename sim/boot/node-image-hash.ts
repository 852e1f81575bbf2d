import { createHash } from "node:crypto";
import { setImageHash } from "./esp-app-image";

/**
 * Importing this module makes the simulator's image checks (bootloader,
 * esp_ota_end) hash with node:crypto, as fast as the ESP32's SHA hardware is
 * relative to its flash; the results are identical to the portable hash.
 */
setImageHash(() => createHash("sha256"));
