/**
 * Device entry: what mcconfig runs on the ESP32. Wires Moddable's ECMA-419
 * host provider into the same composition root the simulator boots.
 */
import { start } from "./app";
import { createEsp32Host } from "./platform/esp32/host";

start(createEsp32Host());
