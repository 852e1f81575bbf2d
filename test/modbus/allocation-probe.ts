/**
 * Run by allocation.test.ts in `node --expose-gc --trace-gc`: drives the hot
 * path for many transactions after a warm-up, between two markers: the
 * framer, server and register map on their own, and the whole RtuSlave
 * (onReadable, framer, frame and transmit timers, server, reply written)
 * over a UART and timer service that allocate nothing themselves
 * (uart-double.ts; the simulator's UART model allocates per character, so it
 * cannot be the probe's). A scavenge between the markers means something
 * allocated per byte or per frame.
 *
 * The argument picks what runs: "framers" (both framers feeding the server
 * directly), or one RtuSlave, "burst" or "character", as on a device. One
 * thing per process: where one call site sees several framers or slaves,
 * each with its own closures, V8's calls turn polymorphic and it boxes the
 * microsecond values passed through them (an engine artifact: XS never
 * allocates for a number).
 */
import { ModbusServer } from "../../firmware/modbus/server";
import { compileRegisterMap } from "../../firmware/modbus/register-map";
import { RtuFramer } from "../../firmware/modbus/framer";
import { frameTiming } from "../../firmware/modbus/timing";
import { benchSlave } from "./bench-workload";
import { withCrc } from "./rig";

const gc = (globalThis as { gc?: () => void }).gc;
if (gc === undefined) throw new Error("run with --expose-gc");

// Changing doubles live in Float64Arrays: V8 allocates a heap number for each fractional value
// stored in a property or a closure variable (XS does not), which would be the probe's allocation.
const live = new Float64Array([21.5]);
const map = compileRegisterMap(
  {
    blocks: [
      { name: "h", table: "holding-registers", address: 0, source: "storage", count: 100 },
      { name: "c", table: "coils", address: 0, source: "storage", count: 64 },
      { name: "live", table: "input-registers", address: 0, source: "s", points: [{ point: "t", type: "float32" }, { point: "t", type: "int16", scale: 10 }, { point: "n", type: "uint32" }] },
    ],
  },
  { s: { description: "", points: { t: { read: () => live[0] }, n: { read: () => 123456 } } } },
);
const server = process.argv[2] === "framers" ? new ModbusServer({ map, address: 1, identity: { vendorName: "a", productCode: "b", majorMinorRevision: "c" } }) : undefined;
const tx = new Uint8Array(256);
const requests = [
  "01 03 00 00 00 0a",
  "01 10 00 00 00 0a 14 00 01 00 02 00 03 00 04 00 05 00 06 00 07 00 08 00 09 00 0a",
  "01 06 00 05 12 34",
  "01 16 00 05 00 f2 00 25",
  "01 17 00 00 00 04 00 10 00 02 04 00 01 00 02",
  "01 01 00 00 00 40",
  "01 0f 00 00 00 10 02 ff 00",
  "01 05 00 03 ff 00",
  "01 04 00 00 00 04",
  "01 03 00 64 00 01",
  "01 08 00 00 12 34",
  "01 2b 0e 01 00",
].map((r) => withCrc(r));
let sink = 0;
const timing = frameTiming({ baud: 19200, parity: "even", stopBits: 1 });
const what = process.argv[2];
if (what !== "framers" && what !== "burst" && what !== "character") throw new Error("usage: allocation-probe.ts framers|burst|character");
// Only what runs is built: unused instances of the same classes still change what V8's call sites see.
const framerCharacter =
  what === "framers"
    ? new RtuFramer(timing, "character", (frame, length, flags) => {
        sink += server!.handleFrame(frame, length, flags, tx);
      })
    : undefined;
const framerBurst =
  what === "framers"
    ? new RtuFramer(timing, "burst", (frame, length, flags) => {
        sink += server!.handleFrame(frame, length, flags, tx);
      })
    : undefined;
const slave = what === "framers" ? undefined : benchSlave(what, map);
const one = new Uint8Array(1);
const clock = new Float64Array(1);

function framers(): void {
  const framer = framerCharacter!;
  const burst = framerBurst!;
  for (const frame of requests) {
    clock[0] += 10_000;
    for (let i = 0; i < frame.length; i++) {
      one[0] = frame[i]!;
      clock[0] += timing.characterUs;
      framer.receive(one, 1, clock[0], 0);
    }
    framer.poll(clock[0] + 10_000);
    clock[0] += 10_000;
    burst.receiveBurst(frame, frame.length, clock[0], true, 0);
    burst.poll(clock[0] + 10_000);
    live[0] += 0.25;
  }
}

function slaveRound(): void {
  for (const frame of requests) {
    sink += slave!.transact(frame);
    live[0] += 0.25;
  }
}

const round = slave === undefined ? framers : slaveRound;

/**
 * The loop lives in a function the warm-up calls many times, so that V8 has
 * optimized it (and what it inlines) as a whole before the measured call
 * enters it; replaced mid-loop, it would run on code that boxes numbers.
 */
function rounds(n: number): void {
  for (let i = 0; i < n; i++) round();
}

for (let i = 0; i < 40; i++) rounds(500);
gc();
console.log("MARK start");
rounds(50_000);
console.log("MARK end");
console.log(`transactions ${50_000 * requests.length * (slave === undefined ? 2 : 1)} replies ${sink > 0}`);
