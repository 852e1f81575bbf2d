/**
 * The simulated Modbus UART on a pseudo-terminal, so that a master on this
 * computer (mbpoll, pymodbus, modbus-serial, a SCADA package) opens it like
 * a USB RS-485 adapter's /dev/ttyUSB0.
 *
 * Node has no pty API. socat makes the pair and links the terminal at the
 * requested path; its other end connects to a loopback RTU-over-TCP port the
 * simulator serves, into the gateway. socat is one small, ubiquitous
 * package; a native pty addon would need a compiler at install time, and a
 * Python helper would need Python. It stays up while masters come and go.
 *
 * Termios settings a master makes on the pty (baud rate, parity) reach
 * nobody: the wire follows the device's own settings. Bytes cross the OS in
 * whatever chunks it likes, so character timing cannot be exact here; the
 * gateway frames by length and CRC and puts each request on the simulated
 * wire with exact timing.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { accessSync, constants, lstatSync, unlinkSync } from "node:fs";
import { delimiter, join, resolve } from "node:path";
import type { RtuGateway } from "./gateway";
import { serveRtuOverTcp } from "./tcp";

export class PtyUnavailableError extends Error {
  override readonly name = "PtyUnavailableError";
}

export const SOCAT_MISSING =
  "--modbus-pty needs socat, which is not installed (or not on PATH): install it with `apt-get install socat` (Debian, Ubuntu), `dnf install socat` (Fedora) or `brew install socat` (macOS); --modbus-tcp PORT needs nothing";

/** The socat executable on PATH, or undefined. */
export function findSocat(path = process.env.PATH ?? ""): string | undefined {
  for (const dir of path.split(delimiter)) {
    if (dir === "") continue;
    const candidate = join(dir, "socat");
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not here
    }
  }
  return undefined;
}

export interface ModbusPty {
  /** The path masters open (a symbolic link). */
  readonly link: string;
  /** The terminal it points to, e.g. /dev/pts/3. */
  readonly device: string;
  close(): Promise<void>;
}

export interface PtyOptions {
  socat?: string;
  /** Called if socat dies while the simulator runs. */
  onExit?: (message: string) => void;
  timeoutMs?: number;
}

export async function exposeOnPty(gateway: RtuGateway, linkPath: string, options: PtyOptions = {}): Promise<ModbusPty> {
  const socat = options.socat ?? findSocat();
  if (socat === undefined) throw new PtyUnavailableError(SOCAT_MISSING);
  const link = resolve(linkPath);
  if (/[,:!"'\s]/.test(link)) throw new PtyUnavailableError(`--modbus-pty ${linkPath}: pick a path without spaces, quotes or the characters , : ! (socat's address syntax)`);
  try {
    const stat = lstatSync(link);
    if (!stat.isSymbolicLink()) throw new PtyUnavailableError(`--modbus-pty ${linkPath}: a file that is not a symbolic link is already there; remove it or pick another path`);
    unlinkSync(link); // a stale link from an earlier run
  } catch (error) {
    if (error instanceof PtyUnavailableError) throw error;
  }

  const tcp = await serveRtuOverTcp(gateway, { host: "127.0.0.1", port: 0 });
  const child: ChildProcess = spawn(socat, ["-d", "-d", `pty,raw,echo=0,link=${link}`, `tcp:127.0.0.1:${tcp.port}`], {
    stdio: ["ignore", "ignore", "pipe"],
  });
  let stderr = "";
  let closing = false;
  const exited = new Promise<number | null>((done) => child.once("exit", (code) => done(code)));

  try {
    const device = await new Promise<string>((done, fail) => {
      let device: string | undefined;
      const timer = setTimeout(() => fail(new Error(`socat did not set up the pty within ${options.timeoutMs ?? 5000} ms:\n${stderr}`)), options.timeoutMs ?? 5000);
      child.stderr!.setEncoding("utf8").on("data", (chunk: string) => {
        stderr += chunk;
        device ??= /PTY is (\S+)/.exec(stderr)?.[1];
        if (device !== undefined && /starting data transfer loop/.test(stderr)) {
          clearTimeout(timer);
          done(device);
        }
      });
      child.once("error", (error) => {
        clearTimeout(timer);
        fail(error);
      });
      void exited.then((code) => {
        clearTimeout(timer);
        fail(new Error(`socat exited (status ${code}) before the pty was ready:\n${stderr.trim()}`));
      });
    });
    void exited.then((code) => {
      if (!closing) options.onExit?.(`modbus: socat (pty ${link}) exited with status ${code}; the pty is gone`);
    });
    return {
      link,
      device,
      async close() {
        closing = true;
        if (child.exitCode === null && child.signalCode === null) child.kill("SIGTERM");
        await exited;
        try {
          if (lstatSync(link).isSymbolicLink()) unlinkSync(link);
        } catch {
          // socat removed it
        }
        await tcp.close();
      },
    };
  } catch (error) {
    closing = true;
    if (child.exitCode === null && child.signalCode === null) child.kill("SIGTERM");
    await tcp.close();
    throw error;
  }
}
