import { createTimerService } from "../../../sim/io/timer";
import { clock, domain } from "./probe";

/** Moddable's `timer`, on the probe's virtual clock. */
const Timer = createTimerService(clock, domain);
export default Timer;
