/**
 * An independent, deliberately plain model of what the application protocol
 * prescribes for the data functions, over storage-only tables with a gap in
 * them. The property tests compare the firmware's replies with it; it shares
 * no code with the firmware.
 */
export interface ModelTables {
  coils: Map<number, number>;
  discrete: Map<number, number>;
  holding: Map<number, number>;
  input: Map<number, number>;
}

/** Coils 0-99, discrete inputs 0-63, holding 0-49 and 60-99 (50-59 unmapped), input 0-39. */
export const MODEL_MAP_JSON = JSON.stringify({
  blocks: [
    { name: "coils", table: "coils", address: 0, source: "storage", count: 100 },
    { name: "discrete", table: "discrete-inputs", address: 0, source: "storage", count: 64 },
    { name: "holding-a", table: "holding-registers", address: 0, source: "storage", count: 50 },
    { name: "holding-b", table: "holding-registers", address: 60, source: "storage", count: 40 },
    { name: "input", table: "input-registers", address: 0, source: "storage", count: 40 },
  ],
});

export function modelTables(): ModelTables {
  const range = (from: number, to: number) => new Map(Array.from({ length: to - from }, (_, i) => [from + i, 0] as [number, number]));
  return {
    coils: range(0, 100),
    discrete: range(0, 64),
    holding: new Map([...range(0, 50), ...range(60, 100)]),
    input: range(0, 40),
  };
}

const word = (bytes: number[], at: number) => bytes[at]! * 256 + bytes[at + 1]!;
const mapped = (table: Map<number, number>, start: number, count: number) => {
  for (let a = start; a < start + count; a++) if (!table.has(a)) return false;
  return true;
};

/**
 * The reply PDU (function code onwards) the spec prescribes for a unicast
 * request PDU, applying its effects to `t`; undefined when the request is
 * not a well-formed frame for its function code (dropped).
 */
export function expectedReply(t: ModelTables, pdu: number[]): number[] | undefined {
  const fc = pdu[0]!;
  const exception = (code: number) => [fc | 0x80, code];
  const bits = (table: Map<number, number>, start: number, count: number) => {
    const out = new Array(Math.ceil(count / 8)).fill(0);
    for (let i = 0; i < count; i++) if (table.get(start + i)) out[Math.floor(i / 8)] += 2 ** (i % 8);
    return out;
  };
  const registers = (table: Map<number, number>, start: number, count: number) => {
    const out: number[] = [];
    for (let i = 0; i < count; i++) out.push(Math.floor(table.get(start + i)! / 256), table.get(start + i)! % 256);
    return out;
  };
  switch (fc) {
    case 1:
    case 2: {
      if (pdu.length !== 5) return undefined;
      const start = word(pdu, 1);
      const count = word(pdu, 3);
      if (count < 1 || count > 2000) return exception(3);
      const table = fc === 1 ? t.coils : t.discrete;
      if (!mapped(table, start, count)) return exception(2);
      const data = bits(table, start, count);
      return [fc, data.length, ...data];
    }
    case 3:
    case 4: {
      if (pdu.length !== 5) return undefined;
      const start = word(pdu, 1);
      const count = word(pdu, 3);
      if (count < 1 || count > 125) return exception(3);
      const table = fc === 3 ? t.holding : t.input;
      if (!mapped(table, start, count)) return exception(2);
      return [fc, 2 * count, ...registers(table, start, count)];
    }
    case 5: {
      if (pdu.length !== 5) return undefined;
      const value = word(pdu, 3);
      if (value !== 0 && value !== 0xff00) return exception(3);
      if (!t.coils.has(word(pdu, 1))) return exception(2);
      t.coils.set(word(pdu, 1), value ? 1 : 0);
      return pdu;
    }
    case 6: {
      if (pdu.length !== 5) return undefined;
      if (!t.holding.has(word(pdu, 1))) return exception(2);
      t.holding.set(word(pdu, 1), word(pdu, 3));
      return pdu;
    }
    case 0x0f: {
      if (pdu.length < 6 || pdu.length !== 6 + pdu[5]!) return undefined;
      const start = word(pdu, 1);
      const count = word(pdu, 3);
      if (count < 1 || count > 1968 || pdu[5] !== Math.ceil(count / 8)) return exception(3);
      if (!mapped(t.coils, start, count)) return exception(2);
      for (let i = 0; i < count; i++) t.coils.set(start + i, (pdu[6 + Math.floor(i / 8)]! >> i % 8) & 1);
      return pdu.slice(0, 5);
    }
    case 0x10: {
      if (pdu.length < 6 || pdu.length !== 6 + pdu[5]!) return undefined;
      const start = word(pdu, 1);
      const count = word(pdu, 3);
      if (count < 1 || count > 123 || pdu[5] !== 2 * count) return exception(3);
      if (!mapped(t.holding, start, count)) return exception(2);
      for (let i = 0; i < count; i++) t.holding.set(start + i, word(pdu, 6 + 2 * i));
      return pdu.slice(0, 5);
    }
    case 0x16: {
      if (pdu.length !== 7) return undefined;
      const address = word(pdu, 1);
      if (!t.holding.has(address)) return exception(2);
      const and = word(pdu, 3);
      const or = word(pdu, 5);
      const current = t.holding.get(address)!;
      t.holding.set(address, ((current & and) | (or & ~and)) & 0xffff);
      return pdu;
    }
    case 0x17: {
      if (pdu.length < 10 || pdu.length !== 10 + pdu[9]!) return undefined;
      const readStart = word(pdu, 1);
      const readCount = word(pdu, 3);
      const writeStart = word(pdu, 5);
      const writeCount = word(pdu, 7);
      if (readCount < 1 || readCount > 125 || writeCount < 1 || writeCount > 121 || pdu[9] !== 2 * writeCount) return exception(3);
      if (!mapped(t.holding, readStart, readCount) || !mapped(t.holding, writeStart, writeCount)) return exception(2);
      for (let i = 0; i < writeCount; i++) t.holding.set(writeStart + i, word(pdu, 10 + 2 * i));
      return [fc, 2 * readCount, ...registers(t.holding, readStart, readCount)];
    }
    case 0x08:
      if (pdu.length < 3) return undefined;
      if (word(pdu, 1) === 0) return pdu;
      return undefined; // other sub-functions depend on history: covered by the conformance suite
    default:
      return [fc | 0x80, 1];
  }
}

/**
 * What a broadcast request PDU does to `t` (it is never answered):
 * "executed", "error" (what would have been an exception, or a function
 * that cannot be carried out without a reply: counted in 08/0D) or
 * "dropped" (the wrong length for its function code). Writes are executed
 * as unicast ones are; FC 17 only writes, its read range unchecked.
 * Diagnostics are left to the conformance suite.
 */
export function broadcastEffect(t: ModelTables, pdu: number[]): "executed" | "error" | "dropped" | undefined {
  const fc = pdu[0]!;
  if (fc === 0x08) return undefined;
  if (fc === 0x17) {
    if (pdu.length < 10 || pdu.length !== 10 + pdu[9]!) return "dropped";
    const readCount = word(pdu, 3);
    const writeStart = word(pdu, 5);
    const writeCount = word(pdu, 7);
    if (readCount < 1 || readCount > 125 || writeCount < 1 || writeCount > 121 || pdu[9] !== 2 * writeCount) return "error";
    if (!mapped(t.holding, writeStart, writeCount)) return "error";
    for (let i = 0; i < writeCount; i++) t.holding.set(writeStart + i, word(pdu, 10 + 2 * i));
    return "executed";
  }
  if (![5, 6, 0x0f, 0x10, 0x16].includes(fc)) return "error";
  const reply = expectedReply(t, pdu);
  if (reply === undefined) return "dropped";
  return reply[0]! & 0x80 ? "error" : "executed";
}
