import { describe, expect, it } from "vitest";
import { EXIT } from "../../host/cli/command";
import { parseSettings } from "../../host/cli/commands/command";
import { describeConnectError } from "../../host/mqtt/broker-connection";
import { parseBrokerAddress, type BrokerAddress } from "../../host/mqtt/broker-url";
import { globToRegExp } from "../../host/ota/glob";
import { fieldnode } from "./ota-support";

describe("fieldnode ota and command: help and usage", () => {
  it("ota --help describes push, status and rollout (exit 0)", async () => {
    const run = await fieldnode("ota", "--help");
    expect(run.code).toBe(EXIT.ok);
    for (const usage of ["usage: fieldnode ota push", "usage: fieldnode ota status", "usage: fieldnode ota rollout"]) expect(run.stdout).toContain(usage);
  });

  it("ota push --help describes push alone", async () => {
    const run = await fieldnode("ota", "push", "--help");
    expect(run.code).toBe(EXIT.ok);
    expect(run.stdout.startsWith("usage: fieldnode ota push ")).toBe(true);
    expect(run.stdout).not.toContain("usage: fieldnode ota rollout");
  });

  it("ota without a subcommand is a usage error", async () => {
    expect(await fieldnode("ota")).toEqual({ code: EXIT.usage, stdout: "", stderr: "fieldnode ota: name a subcommand: push, status or rollout; see 'fieldnode ota --help'\n" });
  });

  it("an unknown flag is a usage error pointing at --help", async () => {
    const run = await fieldnode("ota", "push", "--devise", "x");
    expect(run.code).toBe(EXIT.usage);
    expect(run.stderr).toMatch(/^fieldnode ota: Unknown option '--devise'; see 'fieldnode ota push --help'\n$/);
  });

  it("rollout needs exactly one way of naming devices", async () => {
    const run = await fieldnode("ota", "rollout", "--key", "k.pem", "--image", "i.bin", "--devices", "a", "--pattern", "b*");
    expect(run).toEqual({ code: EXIT.usage, stdout: "", stderr: "fieldnode ota: name the devices with exactly one of --devices, --pattern or --devices-file; see 'fieldnode ota rollout --help'\n" });
  });

  it("command --help lists reboot, config and revoke-key", async () => {
    const run = await fieldnode("command", "--help");
    expect(run.code).toBe(EXIT.ok);
    expect(run.stdout).toContain("fieldnode command revoke-key --device ID");
  });
});

describe("--broker", () => {
  it("fills in the scheme's port and hides a password", () => {
    expect(parseBrokerAddress("mqtts://ops:s3cret@broker.site:8884")).toEqual({ url: "mqtts://ops:s3cret@broker.site:8884", display: "mqtts://ops:***@broker.site:8884", host: "broker.site", port: 8884 });
    expect(parseBrokerAddress("mqtt://10.0.0.2")).toMatchObject({ host: "10.0.0.2", port: 1883 });
  });

  it("refuses another scheme", () => {
    expect(parseBrokerAddress("http://10.0.0.2")).toBe('"http://10.0.0.2": the scheme must be mqtt://, mqtts://, ws:// or wss://, not http://');
  });

  it("explains a refused login", () => {
    const broker = parseBrokerAddress("mqtt://10.0.0.2") as BrokerAddress;
    expect(describeConnectError(broker, new Error("Connection refused: Not authorized"), 10_000)).toBe(
      "the MQTT broker at mqtt://10.0.0.2 refused the connection: Connection refused: Not authorized; check the user name and password (mqtt://USER:PASSWORD@HOST:PORT)",
    );
  });
});

describe("config --set", () => {
  it("reads JSON values as JSON and anything else as a string", () => {
    expect(parseSettings(["interval=5000", "enabled=false", "broker=mqtt://10.0.0.9:1883", "prefix=site/a"])).toEqual({ interval: 5000, enabled: false, broker: "mqtt://10.0.0.9:1883", prefix: "site/a" });
  });
});

describe("--pattern globs", () => {
  it("match whole ids with * ? and sets", () => {
    const re = globToRegExp("site-[ab]?-*");
    expect(["site-a1-x", "site-b2-", "site-c1-x", "xsite-a1-x", "site-a12"].filter((id) => re.test(id))).toEqual(["site-a1-x", "site-b2-"]);
  });

  it("treat regular expression characters literally", () => {
    expect(globToRegExp("node.1+").test("node.1+")).toBe(true);
    expect(globToRegExp("node.1+").test("nodex11")).toBe(false);
  });
});
