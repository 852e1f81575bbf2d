/**
 * The start-up table of `npm start -- --fleet N`: where to reach each
 * device. A line per device while that fits on a screen; beyond, a grid of
 * ports with what all devices share (host, firmware) said once.
 */
export interface FleetRow {
  id: string;
  modbus: { host: string; port: number } | undefined;
  http: { host: string; port: number } | undefined;
  /** e.g. "0.1.0 ota_0", or "halted". */
  state: string;
}

const COMPACT_ABOVE = 20;
const GRID_COLUMNS = 4;

export function formatFleetTable(rows: readonly FleetRow[]): string[] {
  return rows.length <= COMPACT_ABOVE ? lines(rows) : grid(rows);
}

function endpoint(address: { host: string; port: number } | undefined): string {
  return address === undefined ? "-" : `${address.host}:${address.port}`;
}

function lines(rows: readonly FleetRow[]): string[] {
  const table = [
    ["device", "Modbus RTU/TCP", "HTTP (PUT /ota)", "firmware"],
    ...rows.map((row) => [row.id, endpoint(row.modbus), endpoint(row.http), row.state]),
  ];
  const widths = table[0]!.map((_, column) => Math.max(...table.map((cells) => cells[column]!.length)));
  return table.map((cells) => `  ${cells.map((cell, column) => cell.padEnd(widths[column]!)).join("  ").trimEnd()}`);
}

function grid(rows: readonly FleetRow[]): string[] {
  const out: string[] = [];
  const states = new Map<string, number>();
  for (const row of rows) states.set(row.state, (states.get(row.state) ?? 0) + 1);
  const [common] = [...states].sort((a, b) => b[1] - a[1])[0]!;
  const hosts = (pick: (row: FleetRow) => { host: string } | undefined): string => {
    const set = new Set(rows.map((row) => pick(row)?.host).filter((host): host is string => host !== undefined));
    return set.size === 0 ? "none" : [...set].join(", ");
  };
  out.push(
    `  ${rows.length} devices, firmware ${common}${states.size > 1 ? " (others below)" : ""}; ` +
      `Modbus RTU/TCP on ${hosts((row) => row.modbus)}, HTTP (PUT /ota) on ${hosts((row) => row.http)}`,
  );
  const cells = rows.map((row) => [row.id, row.modbus === undefined ? "-" : String(row.modbus.port), row.http === undefined ? "-" : String(row.http.port)]);
  const header = ["device", "modbus", "http"];
  const widths = header.map((title, column) => Math.max(title.length, ...cells.map((cell) => cell[column]!.length)));
  const cell = (values: readonly string[]): string => values.map((value, column) => value.padEnd(widths[column]!)).join(" ");
  const columns = Math.min(GRID_COLUMNS, rows.length);
  out.push(`  ${Array.from({ length: columns }, () => cell(header)).join("   ").trimEnd()}`);
  for (let start = 0; start < cells.length; start += columns) {
    out.push(`  ${cells.slice(start, start + columns).map(cell).join("   ").trimEnd()}`);
  }
  for (const row of rows) if (row.state !== common) out.push(`  ${row.id}: firmware ${row.state}`);
  return out;
}
