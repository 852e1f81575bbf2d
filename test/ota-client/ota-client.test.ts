import { afterEach, describe, expect, it } from "vitest";
import { serveImage, type ImageServer, type ServeFaults } from "./image-server";
import { boot, device, signedImage } from "./fixture";

const servers: ImageServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

async function serve(image: Uint8Array, faults?: ServeFaults) {
  const server = await serveImage(image, faults);
  servers.push(server);
  return server;
}

const v2 = signedImage("2.0.0");

describe("OTA client download", () => {
  it("downloads, verifies and installs an image, then restarts into its trial boot", async () => {
    const dev = device();
    const server = await serve(v2);
    const { client, settled, nextBoot, restarts, statuses } = boot(dev);
    expect(client.startDownload({ url: server.url })).toBeUndefined();
    const final = await settled();
    expect(final).toMatchObject({ state: "rebooting", percent: 100, bytes: v2.length, total: v2.length, version: "2.0.0", attempt: 1 });
    expect(restarts).toHaveLength(1);
    expect(nextBoot()).toEqual({ slot: "ota_1", version: "2.0.0", state: "pending-verify" });
    expect(statuses.map((s) => s.state).filter((s, i, all) => s !== all[i - 1])).toEqual(["downloading", "installing", "rebooting"]);
  });

  it("resumes with a Range request where a dropped connection stopped", async () => {
    const dev = device();
    const server = await serve(v2, { dropAfter: 100_000, dropTimes: 2 });
    const { client, settled, nextBoot } = boot(dev);
    client.startDownload({ url: server.url });
    const final = await settled();
    expect(final).toMatchObject({ state: "rebooting", attempt: 3 });
    expect(server.ranges).toEqual(["", "bytes=100000-", "bytes=200000-"]);
    expect(nextBoot().version).toBe("2.0.0");
  });

  it("completes from a server that ignores Range, without writing the repeated bytes twice", async () => {
    const dev = device();
    const server = await serve(v2, { dropAfter: 150_000, ignoreRange: true });
    const { client, settled, nextBoot } = boot(dev);
    client.startDownload({ url: server.url });
    expect(await settled()).toMatchObject({ state: "rebooting", attempt: 2 });
    expect(nextBoot().version).toBe("2.0.0");
  });

  it("retries a stalled transfer and completes", async () => {
    const dev = device();
    const server = await serve(v2, { stallAfter: 50_000 });
    const { client, settled, log } = boot(dev);
    client.startDownload({ url: server.url });
    expect(await settled()).toMatchObject({ state: "rebooting", attempt: 2 });
    expect(log.some((l) => l.includes("STALLED: no data for 300 ms at byte 50000"))).toBe(true);
  });

  it("gives up with RETRIES_EXHAUSTED when the server keeps stalling", async () => {
    const dev = device();
    const server = await serve(v2, { stallAfter: 10_000, stallTimes: 99 });
    const { client, settled, nextBoot } = boot(dev, { maxRetries: 2 });
    client.startDownload({ url: server.url });
    const final = await settled();
    expect(final.state).toBe("failed");
    expect(final.error?.code).toBe("RETRIES_EXHAUSTED");
    expect(nextBoot().slot).toBe("ota_0");
  });

  it("refuses a 206 that does not start where it asked", async () => {
    const dev = device();
    const server = await serve(v2, { dropAfter: 80_000, wrongRangeStart: 0 });
    const { client, settled } = boot(dev);
    client.startDownload({ url: server.url });
    const final = await settled();
    expect(final.error).toEqual({ code: "BAD_CONTENT_RANGE", message: 'asked for bytes from 80000, server sent "bytes 0-' + (v2.length - 1) + "/" + v2.length + '"' });
  });

  it("fails on an HTTP error status after its retries", async () => {
    const dev = device();
    const server = await serve(v2, { status: 404 });
    const { client, settled } = boot(dev, { maxRetries: 1 });
    client.startDownload({ url: server.url });
    expect((await settled()).error?.code).toBe("RETRIES_EXHAUSTED");
    expect(server.ranges).toHaveLength(2);
  });

  it("refuses a corrupted payload with DIGEST_MISMATCH or CRC_MISMATCH and keeps booting the old image", async () => {
    const dev = device();
    const corrupt = v2.slice();
    corrupt[200_000]! ^= 0x01;
    const server = await serve(corrupt);
    const { client, settled, nextBoot } = boot(dev);
    client.startDownload({ url: server.url });
    const final = await settled();
    expect(final.error?.code).toBe("CRC_MISMATCH");
    expect(nextBoot()).toMatchObject({ slot: "ota_0", version: "1.0.0" });
  });

  it("refuses a tampered header before erasing anything in the inactive slot", async () => {
    const dev = device();
    const tampered = v2.slice();
    tampered[30]! ^= 0x01; // inside the payload SHA-256 field, which the signature covers
    const server = await serve(tampered);
    const before = dev.flash.stats.erases;
    const { client, settled } = boot(dev);
    client.startDownload({ url: server.url });
    const final = await settled();
    expect(final.error?.code).toBe("BAD_SIGNATURE");
    const ota1 = dev.flash.read(dev.ota1.offset, 16);
    expect(ota1.every((b) => b === 0xff)).toBe(true);
    // No progress record was ever written (the header never passed), so nothing at all was erased.
    expect(dev.flash.stats.erases - before).toBe(0);
  });

  it("refuses an older version unless the trigger allows a downgrade", async () => {
    const dev = device();
    const old = signedImage("0.9.0");
    const server = await serve(old);
    const first = boot(dev);
    first.client.startDownload({ url: server.url });
    expect((await first.settled()).error?.code).toBe("DOWNGRADE");
    const second = boot(dev);
    second.client.startDownload({ url: server.url, allowDowngrade: true });
    expect((await second.settled()).state).toBe("rebooting");
  });

  it("refuses an image that is not the version the trigger named", async () => {
    const dev = device();
    const server = await serve(v2);
    const { client, settled } = boot(dev);
    client.startDownload({ url: server.url, expectVersion: "2.0.1" });
    expect((await settled()).error).toEqual({ code: "NOT_REQUESTED", message: "image is version 2.0.0, the trigger asked for 2.0.1" });
  });

  it("refuses a second update while one runs, and a malformed URL", async () => {
    const dev = device();
    const server = await serve(v2, { stallAfter: 1000 });
    const { client } = boot(dev);
    client.startDownload({ url: server.url });
    expect(client.startDownload({ url: server.url })?.code).toBe("BUSY");
    client.cancel();
    expect(client.startDownload({ url: "ftp://x/y" })?.code).toBe("BAD_REQUEST");
  });
});

describe("OTA client resume across a reboot", () => {
  it("re-hashes what the slot holds and continues from the last checkpoint", async () => {
    const dev = device();
    const server = await serve(v2, { stallAfter: 200_000 });
    const first = boot(dev);
    first.client.startDownload({ url: server.url });
    await new Promise((r) => setTimeout(r, 150));
    first.client.cancel(); // the power goes out mid-download
    first.domain.end();

    const second = boot(dev);
    expect(second.client.resume()).toBe(true);
    const final = await second.settled();
    expect(final.state).toBe("rebooting");
    // Checkpoints fall on 64 KiB of payload; the header precedes the payload in the image.
    const resumedAt = Number(/bytes=(\d+)-/.exec(server.ranges[1]!)![1]);
    expect(resumedAt).toBeGreaterThan(131_072);
    expect(resumedAt).toBeLessThanOrEqual(200_000);
    expect(second.log[0]).toMatch(/^ota: resuming http:\/\/127\.0\.0\.1:\d+\/fieldnode\.img at payload byte (131072|196608) of \d+; re-hashing what is on flash$/);
    expect(second.nextBoot().version).toBe("2.0.0");
  });

  it("downloads the whole image again when the bytes on flash no longer match", async () => {
    const dev = device();
    const server = await serve(v2, { stallAfter: 200_000 });
    const first = boot(dev);
    first.client.startDownload({ url: server.url });
    await new Promise((r) => setTimeout(r, 150));
    first.client.cancel();
    first.domain.end();
    // Damage a byte already written to the slot (clear bits only: NOR).
    const at = dev.ota1.offset + 1000;
    dev.flash.write(at, new Uint8Array([dev.flash.read(at, 1)[0]! & 0x0f]));

    const second = boot(dev);
    second.client.resume();
    const final = await second.settled();
    expect(final.state).toBe("rebooting");
    expect(second.log.some((l) => l.includes("downloading the whole image again"))).toBe(true);
    expect(server.ranges.at(-1)).toBe("");
    expect(second.nextBoot().version).toBe("2.0.0");
  });

  it("drops a progress record once the slot it was for is running", async () => {
    const dev = device();
    const server = await serve(v2);
    const first = boot(dev);
    first.client.startDownload({ url: server.url });
    await first.settled();
    const second = boot(dev); // boots ota_1 on trial
    expect(second.client.resume()).toBe(false);
  });
});

describe("OTA client receiving a pushed image", () => {
  it("installs an image written to it in arbitrary chunks", async () => {
    const dev = device();
    const { client, nextBoot, restarts } = boot(dev);
    const receiver = client.receive(v2.length);
    if ("code" in receiver) throw new Error(receiver.message);
    for (let at = 0; at < v2.length; at += 7777) expect(receiver.write(v2.subarray(at, at + 7777))).toBeUndefined();
    expect(receiver.finish()).toBeUndefined();
    await new Promise((r) => setTimeout(r, 30));
    expect(restarts).toHaveLength(1);
    expect(nextBoot().version).toBe("2.0.0");
  });

  it("refuses a pushed image whose length disagrees with the header", async () => {
    const dev = device();
    const { client } = boot(dev);
    const receiver = client.receive(v2.length + 1);
    if ("code" in receiver) throw new Error(receiver.message);
    expect(receiver.write(v2.subarray(0, 4096))?.code).toBe("LENGTH_MISMATCH");
  });
});
