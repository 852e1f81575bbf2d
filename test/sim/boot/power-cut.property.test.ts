/**
 * Random lives of a device: OTA updates (complete or abandoned), trial boots,
 * confirmations, rejections and resets, with power cut, cleanly or halfway
 * through, at random flash operations. Whatever happens, the device must boot
 * an image that is really in the slot it booted, and that image must be
 * either the last one it confirmed or the one it was told to try next.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { BootSelection } from "../../../sim/boot/bootloader";
import { OTA_WITH_SEQUENTIAL_WRITES, OtaError } from "../../../sim/boot/ota-ops";
import { NorFlash, PowerCutError } from "../../../sim/flash/nor-flash";
import { appImage, boot, factoryFlash, opsFor } from "./fixture";

interface Cut {
  after: number;
  torn: boolean;
  seed: number;
}

type Step =
  | { kind: "update"; chunk: number; sequential: boolean; cut: Cut | undefined }
  | { kind: "abandon-update"; fraction: number; cut: Cut | undefined }
  | { kind: "mark-valid"; cut: Cut | undefined }
  | { kind: "mark-invalid"; cut: Cut | undefined }
  | { kind: "reset"; cut: Cut | undefined };

/** What the device is allowed to boot, kept from the outside, as a test of the protocol. */
class Model {
  /**
   * Version of the last complete image written to each slot. An image being
   * overwritten stays listed until the new one is complete: until its first
   * sector is erased it can still boot, and once it is erased it cannot.
   */
  readonly complete = new Map<string, string>();
  confirmed: string;
  candidate: string | undefined;

  constructor(slot: string, version: string) {
    this.complete.set(slot, version);
    this.confirmed = version;
  }

  acceptable(): string[] {
    return this.candidate === undefined ? [this.confirmed] : [this.confirmed, this.candidate];
  }
}

class Device {
  readonly flash: NorFlash = factoryFlash("v0");
  readonly model = new Model("ota_0", "v0");
  selection: BootSelection;
  #versions = 0;

  constructor() {
    this.selection = this.reset();
  }

  get version(): string {
    return this.selection.image.descriptor.version;
  }

  /** Power on until the bootloader gets through (a pending cut can stop it once), then check what it chose. */
  reset(): BootSelection {
    for (let attempt = 0; ; attempt++) {
      this.flash.powerRestored();
      try {
        this.selection = boot(this.flash);
        break;
      } catch (error) {
        if (!(error instanceof PowerCutError) || attempt > 2) throw error;
      }
    }
    const { slot } = this.selection;
    expect(this.version, `booted ${slot.name}`).toBe(this.model.complete.get(slot.name));
    expect(this.model.acceptable(), `booted ${this.version} from ${slot.name} (${this.selection.state})`).toContain(this.version);
    if (this.selection.state === "valid") this.model.confirmed = this.version;
    return this.selection;
  }

  run(step: Step): void {
    if (step.cut) this.flash.armPowerCut({ atOperation: this.flash.stats.operations + step.cut.after, torn: step.cut.torn, seed: step.cut.seed });
    try {
      this.#apply(step);
    } catch (error) {
      if (!(error instanceof PowerCutError)) throw error;
      this.reset();
    }
  }

  #apply(step: Step): void {
    const ops = opsFor(this.flash, this.selection);
    switch (step.kind) {
      case "update":
      case "abandon-update": {
        if (ops.getStatePartition(ops.getRunningPartition()) === "pending-verify") {
          expect(() => ops.beginUpdate(ops.getNextUpdatePartition())).toThrow(OtaError);
          return;
        }
        const target = ops.getNextUpdatePartition();
        const version = `v${++this.#versions}`;
        const image = appImage(version);
        const sequential = step.kind === "update" && step.sequential;
        const update = ops.beginUpdate(target, sequential ? OTA_WITH_SEQUENTIAL_WRITES : image.length);
        // beginUpdate dropped the otadata entry of an older image in the target slot, so from
        // here only the running image can stand in for a confirmed image kept there.
        if (this.model.complete.get(target.name) === this.model.confirmed) this.model.confirmed = this.version;
        const chunk = step.kind === "update" ? step.chunk : 64;
        const stop = step.kind === "update" ? image.length : Math.floor(image.length * step.fraction);
        for (let at = 0; at < stop; at += chunk) update.write(image.subarray(at, Math.min(at + chunk, stop)));
        if (step.kind === "abandon-update") {
          this.reset();
          return;
        }
        update.end();
        this.model.complete.set(target.name, version);
        this.model.candidate = version;
        ops.setBootPartition(target);
        return;
      }
      case "mark-valid":
        try {
          ops.markAppValidCancelRollback();
        } catch (error) {
          if (!(error instanceof OtaError)) throw error;
        }
        return;
      case "mark-invalid": {
        if (this.selection.state !== "pending-verify") return;
        try {
          ops.markAppInvalidRollbackAndReboot();
        } catch (error) {
          if (error instanceof OtaError && error.code === "ESP_ERR_OTA_ROLLBACK_FAILED") return;
          throw error;
        }
        this.model.candidate = undefined;
        this.reset();
        return;
      }
      case "reset":
        this.reset();
        return;
    }
  }
}

const cut: fc.Arbitrary<Cut | undefined> = fc.option(
  fc.record({ after: fc.nat({ max: 14 }), torn: fc.boolean(), seed: fc.nat() }),
  { nil: undefined, freq: 2 },
);

const step: fc.Arbitrary<Step> = fc.oneof(
  { weight: 4, arbitrary: fc.record({ kind: fc.constant("update" as const), chunk: fc.integer({ min: 16, max: 400 }), sequential: fc.boolean(), cut }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant("abandon-update" as const), fraction: fc.double({ min: 0, max: 0.99, noNaN: true }), cut }) },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant("mark-valid" as const), cut }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant("mark-invalid" as const), cut }) },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant("reset" as const), cut }) },
);

describe("power cuts at random points of random OTA histories", () => {
  it("never leave the device without a bootable image, nor boot one it was not meant to run", () => {
    fc.assert(
      fc.property(fc.array(step, { minLength: 1, maxLength: 30 }), (steps) => {
        const device = new Device();
        for (const s of steps) device.run(s);
        device.reset();
      }),
      { numRuns: 300 },
    );
  });
});
