/**
 * The connection flags of `fieldnode modbus`: serial defaults from the
 * serial line spec, TCP endpoints, and what is refused before any port is
 * opened.
 */
import { describe, expect, it } from "vitest";
import { CliError, EXIT } from "../../host/cli/command";
import { connectionSettings, parseModbusArgs, CONNECTION_OPTIONS } from "../../host/cli/commands/modbus-options";

const settings = (...argv: string[]) => connectionSettings("modbus read", parseModbusArgs("modbus read", argv, CONNECTION_OPTIONS).values);

describe("modbus connection flags", () => {
  it("defaults a serial port to 19200 8E1, slave 1, 1000 ms, one retry", () => {
    expect(settings("--port", "/dev/ttyUSB0")).toEqual({
      transport: { kind: "serial", path: "/dev/ttyUSB0", baud: 19200, parity: "even", stopBits: 1 },
      slave: 1,
      timeoutMs: 1000,
      retries: 1,
    });
  });

  it("gives parity none two stop bits, as the serial line spec asks", () => {
    expect(settings("--port", "/dev/ttyUSB0", "--parity", "none").transport).toMatchObject({ parity: "none", stopBits: 2 });
  });

  it("keeps one stop bit with parity none when asked (8N1)", () => {
    expect(settings("--port", "/dev/ttyUSB0", "--parity", "none", "--stop-bits", "1").transport).toMatchObject({ parity: "none", stopBits: 1 });
  });

  it("takes a bare TCP port as 127.0.0.1", () => {
    expect(settings("--tcp", "1502").transport).toEqual({ kind: "tcp", host: "127.0.0.1", port: 1502 });
  });

  it("takes an IPv6 host in brackets", () => {
    expect(settings("--tcp", "[::1]:1502").transport).toEqual({ kind: "tcp", host: "::1", port: 1502 });
  });

  it.each([
    [["--port", "/dev/ttyUSB0", "--tcp", "1502"], "give --port or --tcp, not both; see 'fieldnode modbus read --help'"],
    [["--port", "/dev/ttyUSB0", "--parity", "mark"], '--parity must be even, odd or none, got "mark"'],
    [["--port", "/dev/ttyUSB0", "--stop-bits", "3"], '--stop-bits must be 1 or 2, got "3"'],
    [["--tcp", "host:"], '--tcp "host:" must be PORT or HOST:PORT with a port from 1 to 65535'],
    [["--tcp", "1502", "--slave", "248"], "--slave must be a whole number from 0 to 247, got \"248\"; see 'fieldnode modbus read --help'"],
    [["--tcp", "1502", "--timeout", "0"], "--timeout must be at least 1 ms; see 'fieldnode modbus read --help'"],
  ])("refuses %j with exit 2: %s", (argv, message) => {
    expect(() => settings(...argv)).toThrow(new CliError(message, EXIT.usage));
  });

  it("keeps a negative number as a positional in its place", () => {
    expect(parseModbusArgs("modbus write", ["--tcp", "1502", "offset", "-12.5"], CONNECTION_OPTIONS).positionals).toEqual(["offset", "-12.5"]);
  });
});
