/**
 * What a simulated device costs in this process: the growth of the V8 heap,
 * of ArrayBuffer memory (flash arrays, UART buffers) and of the resident set
 * between a baseline and now, divided by the number of devices. Only a
 * collected heap gives a figure that means anything, so both samples run a
 * full GC first when the process has one (node --expose-gc, or
 * NODE_OPTIONS=--expose-gc); without it the figures include garbage and are
 * reported as approximate.
 */
export interface MemorySample {
  heapUsed: number;
  arrayBuffers: number;
  rss: number;
  /** Whether a full GC ran just before the sample. */
  collected: boolean;
}

export interface MemoryPerDevice {
  devices: number;
  /** V8 heap growth per device, bytes. */
  heap: number;
  /** ArrayBuffer growth per device (outside the V8 heap), bytes. */
  arrayBuffers: number;
  /** Resident set growth per device, bytes: what the machine actually gives. */
  rss: number;
  /** False when no GC was available: garbage is counted too. */
  exact: boolean;
}

const SMALL_FLEET = 10;

function collector(): (() => void) | undefined {
  const gc = (globalThis as { gc?: unknown }).gc;
  return typeof gc === "function" ? () => void (gc as () => unknown)() : undefined;
}

export function sampleMemory(): MemorySample {
  const gc = collector();
  if (gc !== undefined) {
    // A second pass frees what the first pass's finalizers released (weak
    // references, vm contexts of devices that rebooted).
    gc();
    gc();
  }
  const usage = process.memoryUsage();
  return { heapUsed: usage.heapUsed, arrayBuffers: usage.arrayBuffers, rss: usage.rss, collected: gc !== undefined };
}

export function perDevice(before: MemorySample, after: MemorySample, devices: number): MemoryPerDevice {
  const n = Math.max(1, devices);
  return {
    devices,
    heap: (after.heapUsed - before.heapUsed) / n,
    arrayBuffers: (after.arrayBuffers - before.arrayBuffers) / n,
    rss: (after.rss - before.rss) / n,
    exact: before.collected && after.collected,
  };
}

export function formatMemoryPerDevice(memory: MemoryPerDevice): string {
  const mib = (bytes: number): string => `${(bytes / (1024 * 1024)).toFixed(2)} MiB`;
  const how = memory.exact
    ? "after a full GC"
    : "approximate: no global.gc, garbage counts too; NODE_OPTIONS=--expose-gc for exact figures";
  // V8 compiles the firmware's functions as the first device runs them, about
  // 8 MiB of heap shared by all: in a small fleet that dominates the share.
  const shared = memory.devices < SMALL_FLEET ? "; includes the firmware's one-time compile, shared by all" : "";
  return (
    `memory per device (${memory.devices} device${memory.devices === 1 ? "" : "s"}): heap ${mib(memory.heap)}, ` +
    `array buffers ${mib(memory.arrayBuffers)}, RSS ${mib(memory.rss)} (${how}${shared})`
  );
}
