import { describe, expect, it } from "vitest";
import { BootLoopGuard } from "../../../firmware/boot/boot-loop-guard";
import type { ImageState, ResetReason } from "../../../firmware/boot/boot-control";
import { RecordStore } from "../../../firmware/config/record-store";
import { VirtualClock } from "../../../sim/clock/virtual-clock";
import { PowerDomain } from "../../../sim/device/power-domain";
import { createTimerService } from "../../../sim/io/timer";
import { deviceFlash } from "../config/flash-fixture";
import { fakeBoot } from "./fake-boot";

/** Boots `version` once with `reason` on a flash that keeps its otaprog partition across calls. */
function bootsOf(version = "2.0.0") {
  const { storage, flash } = deviceFlash();
  const boot = (reason: ResetReason, state: ImageState = "valid", opts: { noRollback?: boolean } = {}) => {
    const clock = new VirtualClock();
    const fake = fakeBoot(state, reason);
    if (opts.noRollback) fake.noRollback();
    const log: string[] = [];
    const guard = new BootLoopGuard({
      store: new RecordStore(storage.open({ path: "otaprog" }), 2),
      boot: fake.boot,
      timer: createTimerService(clock, new PowerDomain((e) => { throw e; })),
      log: (l) => log.push(l),
      version,
    });
    const verdict = guard.check();
    return { verdict, guard, clock, calls: fake.calls, log };
  };
  return { boot, flash };
}

describe("boot-loop guard", () => {
  it("lets an image run after isolated crashes", () => {
    const { boot } = bootsOf();
    expect(boot("panic").verdict).toEqual({ action: "run", unclean: 1 });
    expect(boot("task-watchdog").verdict).toEqual({ action: "run", unclean: 2 });
  });

  it("asks for a rollback at the third unclean reset in a row of a valid image", () => {
    const { boot } = bootsOf();
    boot("panic");
    boot("panic");
    const third = boot("panic");
    expect(third.verdict).toEqual({ action: "rollback", unclean: 3 });
    expect(third.guard.rollback()).toBe(true);
    expect(third.calls).toEqual(["markInvalidAndReboot"]);
  });

  it("falls back to safe mode when there is no image to roll back to", () => {
    const { boot } = bootsOf();
    boot("panic");
    boot("panic");
    const third = boot("panic", "valid", { noRollback: true });
    expect(third.guard.rollback()).toBe(false);
    expect(third.log.at(-1)).toBe("boot-loop: no image to roll back to (ESP_ERR_OTA_ROLLBACK_FAILED); starting in safe mode");
  });

  it("starts a fresh count after a deliberate reset", () => {
    const { boot } = bootsOf();
    boot("panic");
    boot("panic");
    boot("power-on");
    expect(boot("panic").verdict).toEqual({ action: "run", unclean: 1 });
  });

  it("clears the count after a minute of stable running", () => {
    const { boot } = bootsOf();
    boot("panic");
    const second = boot("panic");
    second.guard.armStableTimer();
    second.clock.advance(60_000);
    expect(second.log.at(-1)).toBe("boot-loop: stable for 60000 ms; clearing 2 unclean resets");
    expect(boot("panic").verdict).toEqual({ action: "run", unclean: 1 });
  });

  it("leaves a trial image to the bootloader's own rollback", () => {
    const { boot } = bootsOf();
    boot("panic", "pending-verify");
    boot("panic", "pending-verify");
    expect(boot("panic", "pending-verify").verdict.action).toBe("run");
  });

  it("writes nothing to flash on a clean boot of a stable image", () => {
    const { boot, flash } = bootsOf();
    boot("power-on");
    const writes = flash.stats.writes;
    boot("power-on");
    boot("software");
    expect(flash.stats.writes).toBe(writes);
  });
});
