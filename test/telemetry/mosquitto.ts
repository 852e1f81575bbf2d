/**
 * Eclipse Mosquitto for interop tests: the broker and mosquitto_sub, when
 * installed (Debian: apt-get install mosquitto mosquitto-clients). Tests that
 * need them skip, saying so, when they are missing.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import * as net from "node:net";
import { tmpdir } from "node:os";
import { delimiter, join } from "node:path";

const SEARCH = [...(process.env.PATH ?? "").split(delimiter), "/usr/sbin", "/usr/local/sbin", "/opt/homebrew/sbin"];

export function findProgram(name: string): string | undefined {
  for (const dir of SEARCH) {
    if (dir && existsSync(join(dir, name))) return join(dir, name);
  }
  return undefined;
}

export const MOSQUITTO = findProgram("mosquitto");
export const MOSQUITTO_SUB = findProgram("mosquitto_sub");
export const MOSQUITTO_MISSING =
  MOSQUITTO === undefined || MOSQUITTO_SUB === undefined
    ? `SKIPPED: mosquitto interop tests need ${[MOSQUITTO ? "" : "mosquitto", MOSQUITTO_SUB ? "" : "mosquitto_sub"].filter(Boolean).join(" and ")} (apt-get install -y mosquitto mosquitto-clients)`
    : undefined;

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const port = (server.address() as net.AddressInfo).port;
      server.close(() => resolve(port));
    });
  });
}

export interface Mosquitto {
  readonly port: number;
  readonly output: string[];
  stop(): Promise<void>;
}

/** Runs `mosquitto -c` with an anonymous listener on 127.0.0.1:port until stopped. */
export async function startMosquitto(port: number): Promise<Mosquitto> {
  const dir = mkdtempSync(join(tmpdir(), "fieldnode-mosquitto-"));
  const config = join(dir, "mosquitto.conf");
  writeFileSync(config, `listener ${port} 127.0.0.1\nallow_anonymous true\npersistence false\nlog_dest stderr\nlog_type all\n`);
  const child = spawn(MOSQUITTO!, ["-c", config], { stdio: ["ignore", "pipe", "pipe"] });
  const output: string[] = [];
  const collect = (chunk: Buffer) => output.push(...chunk.toString().split("\n").filter(Boolean));
  child.stdout!.on("data", collect);
  child.stderr!.on("data", collect);
  await waitForPort(port, child, output);
  return {
    port,
    output,
    async stop() {
      await stopChild(child);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export interface MosquittoSub {
  readonly lines: string[];
  /** Resolves when a line matches; rejects after `timeoutMs`. */
  waitFor(match: (line: string) => boolean, timeoutMs?: number): Promise<string>;
  stop(): Promise<void>;
}

/** `mosquitto_sub -h 127.0.0.1 -p PORT -v -t TOPIC`: one output line per message, "topic payload". */
export async function startMosquittoSub(port: number, topic: string): Promise<MosquittoSub> {
  const child = spawn(MOSQUITTO_SUB!, ["-h", "127.0.0.1", "-p", String(port), "-v", "-q", "1", "-t", topic], { stdio: ["ignore", "pipe", "pipe"] });
  const lines: string[] = [];
  const waiters = new Set<() => void>();
  let partial = "";
  child.stdout!.on("data", (chunk: Buffer) => {
    partial += chunk.toString();
    const parts = partial.split("\n");
    partial = parts.pop()!;
    lines.push(...parts);
    for (const waiter of waiters) waiter();
  });
  // mosquitto_sub says nothing once subscribed; give it a moment to connect.
  await new Promise((resolve) => setTimeout(resolve, 300));
  return {
    lines,
    waitFor(match, timeoutMs = 10_000) {
      return new Promise((resolve, reject) => {
        const check = () => {
          const line = lines.find(match);
          if (line === undefined) return;
          clearTimeout(timer);
          waiters.delete(check);
          resolve(line);
        };
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(new Error(`mosquitto_sub printed no matching line within ${timeoutMs} ms; it printed:\n${lines.slice(-5).join("\n")}`));
        }, timeoutMs);
        waiters.add(check);
        check();
      });
    },
    stop: () => stopChild(child),
  };
}

async function waitForPort(port: number, child: ChildProcess, output: string[]): Promise<void> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`mosquitto exited (${child.exitCode}):\n${output.join("\n")}`);
    const open = await new Promise<boolean>((resolve) => {
      const socket = net.connect({ host: "127.0.0.1", port }, () => {
        socket.destroy();
        resolve(true);
      });
      socket.on("error", () => resolve(false));
    });
    if (open) return;
    if (Date.now() > deadline) throw new Error(`mosquitto did not listen on ${port}:\n${output.join("\n")}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    child.once("exit", () => resolve());
    child.kill("SIGTERM");
    setTimeout(() => child.kill("SIGKILL"), 3_000).unref();
  });
}
