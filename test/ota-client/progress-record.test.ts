/**
 * The progress record formats the text around `durable` once per download
 * (a speed-up of every checkpoint); what reaches the flash must stay exactly
 * the JSON it always was, whatever changes between two saves.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { RecordStore } from "../../firmware/config/record-store";
import { encodeUtf8 } from "../../firmware/core/utf8";
import { toHex } from "../../firmware/crypto/hex";
import { ProgressRecord, type DownloadProgress } from "../../firmware/ota/progress-record";
import { loadDevicePartitionTable } from "../../sim/boot/device-partition-table";
import { PowerDomain } from "../../sim/device/power-domain";
import { NorFlash } from "../../sim/flash/nor-flash";
import { createFlashStorage } from "../../sim/io/flash-storage";

function otaprog(): RecordStore {
  const table = loadDevicePartitionTable();
  const [ota0, ota1] = table.otaSlots();
  const storage = createFlashStorage(new NorFlash({ size: 4 * 1024 * 1024 }), table, { running: () => ota0!, nextUpdate: () => ota1! }, new PowerDomain((e) => {
    throw e;
  }));
  return new RecordStore(storage.open({ path: "otaprog" }), 0);
}

/** What save() wrote before it kept a template: the reference. */
const reference = (progress: DownloadProgress) => encodeUtf8(JSON.stringify({ ...progress, header: toHex(progress.header) }));

const progress: fc.Arbitrary<DownloadProgress> = fc
  .record({
    url: fc.oneof(fc.constant("http://10.0.0.2/fieldnode.img"), fc.string({ unit: "binary", maxLength: 40 })),
    slot: fc.constantFrom("ota_0", "ota_1"),
    imageLength: fc.integer({ min: 0, max: 4 * 1024 * 1024 }),
    header: fc.uint8Array({ maxLength: 300 }),
    durable: fc.integer({ min: 0, max: 4 * 1024 * 1024 }),
    expectVersion: fc.option(fc.constantFrom("2.0.0", '1.0.0"durable":0'), { nil: undefined }),
    expectSha256: fc.option(fc.constant("ab".repeat(32)), { nil: undefined }),
  })
  .map(({ expectVersion, expectSha256, ...rest }) => ({
    ...rest,
    ...(expectVersion !== undefined ? { expectVersion } : {}),
    ...(expectSha256 !== undefined ? { expectSha256 } : {}),
  }));

describe("progress record", () => {
  it("stores exactly the reference JSON for every save, however the record changes between saves", () => {
    const change = fc.oneof(
      fc.record({ kind: fc.constant("durable" as const), durable: fc.integer({ min: 0, max: 1 << 22 }) }),
      fc.record({ kind: fc.constant("record" as const), progress }),
      // The caller's header array changed in place: the record must notice, not reuse what it formatted.
      fc.record({ kind: fc.constant("header-byte" as const), at: fc.nat(), value: fc.integer({ min: 0, max: 255 }) }),
    );
    fc.assert(
      fc.property(progress, fc.array(change, { maxLength: 8 }), (first, changes) => {
        const store = otaprog();
        const record = new ProgressRecord(store);
        let current = first;
        record.save(current);
        expect(store.load()!.payload).toEqual(reference(current));
        for (const step of changes) {
          if (step.kind === "durable") current = { ...current, durable: step.durable };
          else if (step.kind === "record") current = step.progress;
          else if (current.header.length > 0) current.header[step.at % current.header.length] = step.value;
          record.save(current);
          expect(store.load()!.payload).toEqual(reference(current));
        }
      }),
      { numRuns: 200 },
    );
  });

  it("reads back what a download saved at each checkpoint", () => {
    const record = new ProgressRecord(otaprog());
    const saved: DownloadProgress = { url: "http://h/i.img", slot: "ota_0", imageLength: 9000, header: Uint8Array.of(1, 2, 3), durable: 0, expectVersion: "2.0.0" };
    for (const durable of [0, 4096, 8192]) {
      record.save({ ...saved, durable });
      expect(record.load()).toEqual({ ...saved, durable });
    }
  });
});
