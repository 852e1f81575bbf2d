/**
 * A register map as a Markdown table, for the README and docs/modbus.md (a
 * test checks that they carry the default map's table verbatim).
 */
import { isBitTable, pointWords, type RegisterMapSpec, type TableName } from "./map-schema";
import type { SourceRegistry } from "./sources";

const TABLE_TITLES: Readonly<Record<TableName, string>> = {
  coils: "Coils (FC 01, 05, 0F)",
  "discrete-inputs": "Discrete inputs (FC 02)",
  "input-registers": "Input registers (FC 04)",
  "holding-registers": "Holding registers (FC 03, 06, 10, 16, 17)",
};

const ORDER: readonly TableName[] = ["holding-registers", "input-registers", "coils", "discrete-inputs"];

/** With `sources`, a point in a writable table reads "read/write" only when its source accepts writes. */
export function describeRegisterMap(spec: RegisterMapSpec, sources?: SourceRegistry): string {
  const lines: string[] = [];
  for (const table of ORDER) {
    const blocks = spec.blocks.filter((b) => b.table === table).sort((a, b) => a.address - b.address);
    if (blocks.length === 0) continue;
    lines.push(`**${TABLE_TITLES[table]}**`, "", "| Address | Type | Access | Content |", "| --- | --- | --- | --- |");
    const writable = table === "coils" || table === "holding-registers";
    for (const block of blocks) {
      if (block.source === "storage") {
        const end = block.address + block.count! - 1;
        lines.push(`| ${block.address}–${end} | ${isBitTable(table) ? "bool" : "uint16"} | ${writable ? "read/write" : "read"} | ${block.label ?? block.name} |`);
        continue;
      }
      let address = block.address;
      for (const point of block.points!) {
        const type = point.type ?? (isBitTable(table) ? "bool" : "uint16");
        const words = type === "bool" ? 1 : pointWords(type);
        const range = words === 2 ? `${address}–${address + 1}` : `${address}`;
        const order = words === 2 && point.wordOrder === "low-first" ? ", low word first" : "";
        const scale = point.scale !== undefined && point.scale !== 1 ? ` ×${point.scale}` : "";
        const unit = point.unit !== undefined ? ` (${point.unit})` : "";
        const source = sources?.[block.source]?.points[point.point];
        const access = writable && (sources === undefined || typeof source?.write === "function") ? "read/write" : "read";
        lines.push(`| ${range} | ${type}${scale}${order} | ${access} | ${point.label ?? point.point}${unit} |`);
        address += words;
      }
    }
    lines.push("");
  }
  return lines.join("\n").trimEnd() + "\n";
}
