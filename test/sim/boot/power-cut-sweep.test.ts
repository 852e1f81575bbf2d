/**
 * MCUboot's simulator cuts power before every flash operation of an upgrade
 * and checks the device still boots. This does the same for the ESP-IDF
 * protocol, and also tears every operation halfway (several seeds each),
 * which MCUboot does not.
 */
import { describe, expect, it } from "vitest";
import type { BootSelection } from "../../../sim/boot/bootloader";
import { NorFlash, PowerCutError } from "../../../sim/flash/nor-flash";
import { appImage, boot, factoryFlash, installUpdate, opsFor } from "./fixture";

/** Factory boot, OTA to 2.0.0, trial boot, mark valid, boot again: the whole happy path. */
function happyPath(flash: NorFlash): BootSelection {
  let selection = boot(flash);
  installUpdate(opsFor(flash, selection), "2.0.0", 61);
  selection = boot(flash);
  opsFor(flash, selection).markAppValidCancelRollback();
  return boot(flash);
}

/** Power back on after a cut; a later cut cannot fire because each plan fires once. */
function recover(flash: NorFlash): BootSelection {
  flash.powerRestored();
  return boot(flash);
}

const total = (() => {
  const flash = factoryFlash("1.0.0");
  const base = flash.stats.operations;
  expect(happyPath(flash).image.descriptor.version).toBe("2.0.0");
  return flash.stats.operations - base;
})();

describe("cutting power at every flash operation of an update", () => {
  it("the uninterrupted path ends on 2.0.0 and takes a known number of operations", () => {
    // first boot records seq 1 (erase + write), begin erases the image's
    // sectors (1), the image streams in 61-byte writes, set boot partition
    // (erase + write), trial boot marks PENDING_VERIFY (erase + write), mark
    // valid (erase + write), final boot of a VALID image writes nothing.
    expect(total).toBe(2 + 1 + Math.ceil(appImage("2.0.0").length / 61) + 2 + 2 + 2);
  });

  for (const torn of [false, true]) {
    it(`${torn ? "tearing" : "cutting before"} each of the operations always leaves a bootable 1.0.0 or 2.0.0`, () => {
      const seeds = torn ? [1, 2, 3, 4, 5, 6, 7, 8] : [0];
      for (let at = 0; at < total; at++) {
        for (const seed of seeds) {
          const flash = factoryFlash("1.0.0");
          flash.armPowerCut({ atOperation: flash.stats.operations + at, torn, seed });
          expect(() => happyPath(flash), `operation ${at}`).toThrow(PowerCutError);
          const first = recover(flash);
          expect(["1.0.0", "2.0.0"], `operation ${at} seed ${seed}`).toContain(first.image.descriptor.version);
          // Whatever the cut left, the device settles: an unconfirmed trial is abandoned on the next reset.
          const second = boot(flash);
          if (first.state === "pending-verify") expect(second.image.descriptor.version).toBe("1.0.0");
          expect(["1.0.0", "2.0.0"]).toContain(second.image.descriptor.version);
        }
      }
    });
  }

  it("booting a confirmed image writes nothing, so power loss while booting it cannot hurt", () => {
    const flash = factoryFlash("1.0.0");
    happyPath(flash);
    const operations = flash.stats.operations;
    expect(boot(flash).image.descriptor.version).toBe("2.0.0");
    expect(flash.stats.operations).toBe(operations);
  });
});
