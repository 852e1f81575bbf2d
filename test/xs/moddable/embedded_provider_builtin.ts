import { createDigitalClass } from "../../../sim/io/digital";
import { createAnalogClass } from "../../../sim/io/analog";
import { createI2CClass } from "../../../sim/io/i2c";
import { domain, gpio, sensors, uarts } from "./probe";

/** `embedded:provider/builtin` for a board with the status LED on GPIO 2. */
const device = {
  io: {
    Digital: createDigitalClass(gpio, domain),
    Serial: uarts.Serial,
    I2C: createI2CClass(sensors.i2c, domain),
    Analog: createAnalogClass(sensors.analog, domain),
  },
  pin: { led: 2 },
};
export default device;
