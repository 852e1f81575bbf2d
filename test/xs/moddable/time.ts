import { clock } from "./probe";

/** Moddable's `time`: only ticks (ms since boot) is used by the firmware. */
const Time = {
  get ticks(): number {
    return Math.floor(clock.now());
  },
};
export default Time;
