/**
 * keygen → sign → verify → inspect through runCli, in-process, with every
 * bad input the issue names: each gets its own message and exit code, and
 * leaves no file behind.
 */
import { createHash, generateKeyPairSync } from "node:crypto";
import { chmodSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { afterAll, describe, expect, it, vi } from "vitest";
import { formatPublicKeyFile } from "../../firmware/ota/public-key-file";
import { EXIT } from "../../host/cli/command";
import { appSlotSize } from "../../host/keys/partition-limit";
import { cli, scratchDir } from "./support/cli";

/** What the CLI asked of the filesystem when placing files, in order (node:fs is passed through, and watched). */
const placing = vi.hoisted(() => [] as string[]);
vi.mock("node:fs", async (importOriginal) => {
  const fs = await importOriginal<typeof import("node:fs")>();
  return {
    ...fs,
    renameSync: (from: string, to: string) => {
      fs.renameSync(from, to);
      placing.push(`rename to ${to}`);
    },
    linkSync: (existing: string, name: string) => {
      fs.linkSync(existing, name);
      placing.push(`link ${name}`);
    },
    fsyncSync: (fd: number) => {
      const what = fs.fstatSync(fd).isDirectory() ? "directory" : "file";
      fs.fsyncSync(fd);
      placing.push(`fsync ${what}`);
    },
  };
});

const scratch = scratchDir("cli");
const { path } = scratch;
afterAll(() => scratch.remove());

const payload = Uint8Array.from({ length: 20_000 }, (_, i) => (i * 13) & 0xff);
writeFileSync(path("app.bin"), payload);

describe("fieldnode keygen", () => {
  it.each(["p256", "ed25519"])("makes a %s pair: private key 0600, public key the firmware can load", async (type) => {
    const run = await cli("keygen", "--type", type, "--out", path(`k-${type}`), "--label", "test");
    expect(run).toMatchObject({ code: EXIT.ok, stderr: "" });
    expect(statSync(path(`k-${type}.pem`)).mode & 0o777).toBe(0o600);
    expect(readFileSync(path(`k-${type}.pem`), "utf8")).toMatch(/^-----BEGIN PRIVATE KEY-----/);
    const pub = JSON.parse(readFileSync(path(`k-${type}.pub`), "utf8"));
    expect(pub).toMatchObject({ format: "fieldnode-public-key", version: 1, algorithm: type === "p256" ? "ecdsa-p256-sha256" : "ed25519", label: "test" });
    expect(run.stdout).toContain(pub.keyId);
  });

  it("flushes the directory after linking both files into place, so they survive a power cut", async () => {
    placing.length = 0;
    expect((await cli("keygen", "--out", path("durable"))).code).toBe(EXIT.ok);
    expect(placing).toEqual(["fsync file", "fsync file", `link ${path("durable.pem")}`, `link ${path("durable.pub")}`, "fsync directory"]);
  });

  it("defaults to ECDSA P-256, and prints JSON on request", async () => {
    const run = await cli("keygen", "--out", path("default"), "--json");
    expect(run.code).toBe(EXIT.ok);
    expect(JSON.parse(run.stdout)).toMatchObject({ algorithm: "ecdsa-p256-sha256", privateKey: path("default.pem"), publicKey: path("default.pub") });
  });

  it("refuses to overwrite either file, and leaves the existing ones untouched", async () => {
    const before = readFileSync(path("k-p256.pem"), "utf8");
    const run = await cli("keygen", "--out", path("k-p256"));
    expect(run.code).toBe(EXIT.failed);
    expect(run.stderr).toMatch(/k-p256\.pem already exists; keygen never overwrites/);
    expect(readFileSync(path("k-p256.pem"), "utf8")).toBe(before);
    // Only the .pub exists: still refused, and no lone .pem is left behind.
    writeFileSync(path("half.pub"), "{}");
    expect((await cli("keygen", "--out", path("half"))).code).toBe(EXIT.failed);
    expect(scratch.files().filter((f) => f.startsWith("half"))).toEqual(["half.pub"]);
  });

  it.each([
    [["--type", "rsa", "--out", "x"], /--type must be p256 or ed25519/],
    [[], /--out NAME is required/],
    [["--out", "name.pem"], /without extension/],
    [["--out", "x", "--bogus"], /Unknown option '--bogus'/],
  ])("rejects %j with a usage error", async (args, message) => {
    const run = await cli("keygen", ...args.map((a) => (a === "x" ? path("never") : a)));
    expect(run.code).toBe(EXIT.usage);
    expect(run.stderr).toMatch(message);
  });

  it("reports an unwritable directory with exit 3 and writes nothing", async () => {
    const locked = scratchDir("locked");
    chmodSync(locked.dir, 0o500);
    try {
      const run = await cli("keygen", "--out", locked.path("k"));
      // root ignores directory permissions; then the write simply succeeds.
      if (process.getuid?.() !== 0) {
        expect(run.code).toBe(EXIT.io);
        expect(locked.files()).toEqual([]);
      }
    } finally {
      chmodSync(locked.dir, 0o700);
      locked.remove();
    }
  });
});

describe("fieldnode sign / inspect / verify", () => {
  it("round trip: sign, inspect every field, verify", async () => {
    const sign = await cli("sign", "--key", path("k-p256.pem"), "--version", "2.1.0-rc.1+ci.77", "--security-counter", "12", "--target", "esp32/fieldnode-v1", path("app.bin"), "--out", path("app.img"));
    expect(sign).toMatchObject({ code: EXIT.ok, stderr: "" });
    expect(sign.stdout).toMatch(/signed .*app\.img: fieldnode 2\.1\.0-rc\.1\+ci\.77 for esp32\/fieldnode-v1, security counter 12/);

    const inspect = await cli("inspect", path("app.img"));
    expect(inspect.code).toBe(EXIT.ok);
    for (const label of ["magic", "format version", "header length", "extensions length", "signature algorithm", "flags", "target", "version", "security counter", "payload length", "payload CRC-32", "payload SHA-256", "key id", "signed bytes", "signature"]) {
      expect(inspect.stdout).toMatch(new RegExp(`^  ${label.replace(/[-/]/g, "\\$&")} +\\S`, "m"));
    }
    expect(inspect.stdout).toContain("ECDSA P-256 / SHA-256 (id 1)");
    expect(inspect.stdout).toContain("20000 bytes");

    const json = JSON.parse((await cli("inspect", "--json", path("app.img"))).stdout);
    const pub = JSON.parse(readFileSync(path("k-p256.pub"), "utf8"));
    expect(json).toMatchObject({
      magic: "FNOT", formatVersion: 1, algorithm: "ecdsa-p256-sha256", target: "esp32/fieldnode-v1", version: "2.1.0-rc.1+ci.77",
      securityCounter: 12, payloadLength: 20000, keyId: pub.keyId, imageLength: 20000 + json.headerLength,
    });

    const verify = await cli("verify", "--pub", path("k-p256.pub"), path("app.img"));
    expect(verify).toMatchObject({ code: EXIT.ok, stderr: "" });
    expect(verify.stdout).toContain(`key ${pub.keyId}`);
    expect(JSON.parse((await cli("verify", "--json", "--pub", path("k-p256.pem"), path("app.img"))).stdout)).toMatchObject({ ok: true, version: "2.1.0-rc.1+ci.77" });
    // The same key given as the private PEM, and among several keys (rotation).
    expect((await cli("verify", "--pub", path("k-ed25519.pub"), "--pub", path("k-p256.pem"), path("app.img"))).code).toBe(EXIT.ok);
  });

  it("flushes the directory after renaming the image into place, so it survives a power cut", async () => {
    placing.length = 0;
    expect((await cli("sign", "--key", path("k-p256.pem"), "--version", "1.0.0", path("app.bin"), "--out", path("durable.img"))).code).toBe(EXIT.ok);
    expect(placing).toEqual(["fsync file", `rename to ${path("durable.img")}`, "fsync directory"]);
  });

  it("signs the longest version the header holds: 852 characters of pre-release after 1.0.0", async () => {
    const version = `1.0.0-${"a".repeat(852)}`;
    expect((await cli("sign", "--key", path("k-p256.pem"), "--version", version, path("app.bin"), "--out", path("long-version.img"))).code).toBe(EXIT.ok);
    const json = JSON.parse((await cli("inspect", "--json", path("long-version.img"))).stdout);
    expect(json).toMatchObject({ version, headerLength: 1024 });
  });

  it("signs with Ed25519 keys too", async () => {
    expect((await cli("sign", "--key", path("k-ed25519.pem"), "--version", "1.0.0", path("app.bin"), "--out", path("ed.img"))).code).toBe(EXIT.ok);
    expect((await cli("verify", "--pub", path("k-ed25519.pub"), path("ed.img"))).code).toBe(EXIT.ok);
    expect((await cli("inspect", path("ed.img"))).stdout).toContain("Ed25519 (id 2)");
  });

  it("verify fails with the device's error codes and exit status 1", async () => {
    const image = new Uint8Array(readFileSync(path("app.img")));
    const tampered = image.slice();
    tampered[tampered.length - 5]! ^= 0x10;
    writeFileSync(path("tampered.img"), tampered);
    writeFileSync(path("short.img"), image.subarray(0, image.length - 1));
    writeFileSync(path("long.img"), new Uint8Array([...image, 0]));

    const cases: Array<[string[], string]> = [
      [["--pub", path("k-p256.pub"), path("tampered.img")], "CRC_MISMATCH"],
      [["--pub", path("k-p256.pub"), path("short.img")], "TRUNCATED"],
      [["--pub", path("k-p256.pub"), path("long.img")], "TRAILING_BYTES"],
      [["--pub", path("k-ed25519.pub"), path("app.img")], "UNKNOWN_KEY"],
      [["--pub", path("k-p256.pub"), "--target", "esp32/other", path("app.img")], "WRONG_TARGET"],
      [["--pub", path("k-p256.pub"), "--current-version", "2.1.0", path("app.img")], "DOWNGRADE"],
      [["--pub", path("k-p256.pub"), "--min-security-counter", "13", path("app.img")], "COUNTER_TOO_LOW"],
      [["--pub", path("k-p256.pub"), "--max-size", "19999", path("app.img")], "TOO_LARGE"],
      [["--pub", path("k-p256.pub"), path("app.bin")], "BAD_MAGIC"],
    ];
    for (const [args, code] of cases) {
      const run = await cli("verify", ...args);
      expect(run.code, code).toBe(EXIT.failed);
      expect(run.stderr, code).toMatch(new RegExp(`: ${code}: `));
    }
    expect((await cli("verify", "--pub", path("k-p256.pub"), "--current-version", "2.1.0", "--allow-downgrade", path("app.img"))).code).toBe(EXIT.ok);
    const json = await cli("verify", "--json", "--pub", path("k-p256.pub"), path("tampered.img"));
    expect(JSON.parse(json.stdout)).toMatchObject({ ok: false, code: "CRC_MISMATCH", number: 16 });
  });

  it("inspect reports a malformed header with its code and exit 1", async () => {
    const image = new Uint8Array(readFileSync(path("app.img")));
    image[6] = 0xff;
    writeFileSync(path("malformed.img"), image);
    const run = await cli("inspect", path("malformed.img"));
    expect(run.code).toBe(EXIT.failed);
    expect(run.stderr).toMatch(/MALFORMED_HEADER: header length/);
    expect(JSON.parse((await cli("inspect", "--json", path("malformed.img"))).stdout)).toMatchObject({ ok: false, code: "MALFORMED_HEADER" });
  });

  describe("bad input: a specific message, a non-zero exit, and no file written", () => {
    const rsa = generateKeyPairSync("rsa", { modulusLength: 1024 }).privateKey.export({ format: "pem", type: "pkcs8" }).toString();
    writeFileSync(path("rsa.pem"), rsa);
    const rsaTraditional = generateKeyPairSync("rsa", { modulusLength: 1024 }).privateKey.export({ format: "pem", type: "pkcs1" }).toString();
    writeFileSync(path("rsa-traditional.pem"), rsaTraditional);
    const p384 = generateKeyPairSync("ec", { namedCurve: "secp384r1" }).privateKey.export({ format: "pem", type: "sec1" }).toString();
    writeFileSync(path("p384.pem"), p384);
    writeFileSync(path("empty.bin"), new Uint8Array(0));
    writeFileSync(path("garbage.pem"), "hello\n");

    const signArgs = (overrides: Record<string, string>, payloadFile = path("app.bin")): string[] => {
      const flags = { "--key": path("k-p256.pem"), "--version": "1.0.0", "--out": path("bad.img"), ...overrides };
      return [...Object.entries(flags).flatMap(([k, v]) => (v === "" ? [] : [k, v])), payloadFile];
    };

    it.each<[string, string[], number, RegExp]>([
      ["RSA key", signArgs({ "--key": path("rsa.pem") }), EXIT.usage, /is an RSA key; fieldnode signs with ECDSA P-256 or Ed25519/],
      ["traditional RSA key (BEGIN RSA PRIVATE KEY)", signArgs({ "--key": path("rsa-traditional.pem") }), EXIT.usage, /rsa-traditional\.pem is an RSA key; fieldnode signs with ECDSA P-256 or Ed25519 \(make one with: fieldnode keygen/],
      ["P-384 key", signArgs({ "--key": path("p384.pem") }), EXIT.usage, /EC key on secp384r1; fieldnode signs with P-256/],
      ["public key given as the signing key", signArgs({ "--key": path("k-p256.pub") }), EXIT.usage, /not a PEM private key/],
      ["garbage key", signArgs({ "--key": path("garbage.pem") }), EXIT.usage, /not a PEM private key/],
      ["missing key file", signArgs({ "--key": path("nope.pem") }), EXIT.io, /cannot read key .*nope\.pem: no such file/],
      ["missing payload", signArgs({}, path("nope.bin")), EXIT.io, /cannot read payload .*nope\.bin: no such file/],
      ["directory as payload", signArgs({}, scratch.dir), EXIT.io, /cannot read payload .*: is a directory/],
      ["version not semver", signArgs({ "--version": "1.2" }), EXIT.usage, /--version: "1\.2" is not a semantic version/],
      ["version with leading zero", signArgs({ "--version": "1.02.0" }), EXIT.usage, /leading zero/],
      ["version too large for the header", signArgs({ "--version": "70000.0.0" }), EXIT.usage, /above 65535/],
      [
        "version too long for the header",
        signArgs({ "--version": `1.0.0-${"a".repeat(900)}` }),
        EXIT.usage,
        /--version is 906 characters, too long for the image header \(at most 1024 bytes\): this one may be at most 858 \(its pre-release and build identifiers at most 852 characters together, not 900\)/,
      ],
      ["security counter not a number", signArgs({ "--security-counter": "ten" }), EXIT.usage, /--security-counter must be a whole number from 0 to 4294967295, got "ten"/],
      ["security counter negative", signArgs({ "--security-counter": "-1" }), EXIT.usage, /--security-counter must be a whole number from 0 to 4294967295, got "-1"/],
      ["security counter too large", signArgs({ "--security-counter": "4294967296" }), EXIT.usage, /--security-counter must be/],
      ["bad target", signArgs({ "--target": "ESP32" }), EXIT.usage, /--target "ESP32" must be a chip or chip\/board name/],
      ["payload larger than the partition", signArgs({ "--max-size": "19999" }), EXIT.usage, /is 20000 bytes; the app partition holds 19999 .*TOO_LARGE/],
      ["empty payload", signArgs({}, path("empty.bin")), EXIT.usage, /is empty/],
      ["missing --version", signArgs({ "--version": "" }), EXIT.usage, /--version X\.Y\.Z is required/],
      ["two payloads", [...signArgs({}), path("app.bin")], EXIT.usage, /expected one PAYLOAD file, got 2/],
    ])("sign: %s", async (_name, args, code, message) => {
      const before = scratch.files();
      const run = await cli("sign", ...args);
      expect(run.code).toBe(code);
      expect(run.stderr).toMatch(message);
      expect(run.stdout).toBe("");
      expect(scratch.files()).toEqual(before);
    });

    it("refuses a payload larger than the app slot in partitions.csv by default", async () => {
      expect(appSlotSize()).toBe(0x1e0000);
      writeFileSync(path("huge.bin"), new Uint8Array(0x1e0001));
      const run = await cli("sign", ...signArgs({}, path("huge.bin")));
      expect(run.code).toBe(EXIT.usage);
      expect(run.stderr).toContain("the app partition holds 1966080");
      expect(scratch.files()).not.toContain("bad.img");
    });

    it("an image that cannot be written leaves nothing behind", async () => {
      const run = await cli("sign", ...signArgs({ "--out": path("no-such-dir/app.img") }));
      expect(run.code).toBe(EXIT.io);
      expect(run.stderr).toMatch(/cannot write .*no-such-dir\/app\.img/);
      expect(scratch.files().filter((f) => f.endsWith(".tmp"))).toEqual([]);
    });

    it.each<[string, string[], number, RegExp]>([
      ["no --pub", [path("app.img")], EXIT.usage, /--pub KEY\.pub is required/],
      ["unreadable key", ["--pub", path("nope.pub"), path("app.img")], EXIT.io, /cannot read public key/],
      ["RSA key", ["--pub", path("rsa.pem"), path("app.img")], EXIT.usage, /RSA key/],
      ["missing image", ["--pub", path("k-p256.pub"), path("nope.img")], EXIT.io, /cannot read image .*no such file/],
      ["bad --current-version", ["--pub", path("k-p256.pub"), "--current-version", "x", path("app.img")], EXIT.usage, /--current-version: "x" is not a semantic version/],
    ])("verify: %s", async (_name, args, code, message) => {
      const run = await cli("verify", ...args);
      expect(run.code).toBe(code);
      expect(run.stderr).toMatch(message);
    });

    it("a .pub holding an Ed25519 key of small order is refused: signatures under it can be forged", async () => {
      const identity = new Uint8Array(32);
      identity[0] = 1;
      const keyId = createHash("sha256").update(identity).digest("hex").slice(0, 16);
      writeFileSync(path("small-order.pub"), formatPublicKeyFile({ algorithm: "ed25519", publicKey: identity, keyId }));
      const run = await cli("verify", "--pub", path("small-order.pub"), path("ed.img"));
      expect(run.code).toBe(EXIT.usage);
      expect(run.stderr).toMatch(/small-order\.pub: ed25519 public key is a point of small order/);
    });

    it("a .pub whose key id was edited is refused", async () => {
      const pub = JSON.parse(readFileSync(path("k-p256.pub"), "utf8"));
      writeFileSync(path("edited.pub"), JSON.stringify({ ...pub, keyId: "0000000000000000" }));
      const run = await cli("verify", "--pub", path("edited.pub"), path("app.img"));
      expect(run.code).toBe(EXIT.usage);
      expect(run.stderr).toMatch(/does not match the key it holds/);
    });
  });

  it("every command documents itself", async () => {
    for (const command of ["keygen", "sign", "inspect", "verify"]) {
      const run = await cli(command, "--help");
      expect(run.code).toBe(EXIT.ok);
      expect(run.stdout).toMatch(new RegExp(`^usage: fieldnode ${command}`));
    }
    const top = await cli("--help");
    for (const command of ["keygen", "sign", "inspect", "verify"]) expect(top.stdout).toMatch(new RegExp(`^  ${command} `, "m"));
  });

  it("leaves no temporary files anywhere in the working directory", () => {
    expect(scratch.files().filter((f) => f.includes(".tmp"))).toEqual([]);
  });
});
