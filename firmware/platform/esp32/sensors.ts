import device from "embedded:provider/builtin";
import type { AnalogConstructor, I2CConstructor, SensorBoard } from "../../sensors/io";

/**
 * The reference board's sensor wiring on an ESP32-WROOM-32: the I2C bus on the
 * ESP32's usual pins (SDA GPIO 21, SCL GPIO 22) with the SHT3x at 0x44 and the
 * BMP280 at 0x76, and the 4–20 mA loop's 100 Ω shunt on GPIO 36 (ADC1
 * channel 0, usable while Wi-Fi runs, unlike ADC2). A host provider that
 * already names these (`device.I2C.default`, a board target's provider) wins.
 *
 * Moddable's typings for I2C and Analog lack close(), which the classes have.
 */
export const BOARD_I2C = { data: 21, clock: 22 } as const;
export const BOARD_LOOP_PIN = 36;

export function createEsp32SensorBoard(): { I2C: SensorBoard["I2C"]; Analog: SensorBoard["Analog"] } {
  const provided = device as unknown as SensorBoard;
  const io = device.io as unknown as { I2C?: I2CConstructor; Analog?: AnalogConstructor };
  return {
    I2C: provided.I2C?.default?.io !== undefined ? provided.I2C : io.I2C !== undefined ? { default: { io: io.I2C, ...BOARD_I2C } } : undefined,
    Analog: provided.Analog?.default?.io !== undefined ? provided.Analog : io.Analog !== undefined ? { default: { io: io.Analog, pin: BOARD_LOOP_PIN } } : undefined,
  };
}
