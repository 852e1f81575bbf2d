import { createDigitalClass } from "../../../sim/io/digital";
import { domain, gpio } from "./probe";

/** `embedded:provider/builtin` for a board with the status LED on GPIO 2. */
const device = {
  io: { Digital: createDigitalClass(gpio, domain) },
  pin: { led: 2 },
};
export default device;
