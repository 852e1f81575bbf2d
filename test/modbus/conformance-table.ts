/**
 * Collects "function code × case → result" rows from the conformance suite and
 * prints them as one table when the file is done, for the record.
 */
import { afterAll, it } from "vitest";

const rows: Array<{ fc: string; name: string; result: string; passed: boolean }> = [];

/** A conformance test: `result` is the outcome in a word ("normal", "exception 02", "no reply"...). */
export function conformance(fc: string, name: string, result: string, body: () => void): void {
  it(`FC ${fc}: ${name}`, () => {
    let passed = false;
    try {
      body();
      passed = true;
    } finally {
      rows.push({ fc, name, result, passed });
    }
  });
}

afterAll(() => {
  if (rows.length === 0) return;
  const width = Math.max(...rows.map((r) => r.name.length));
  const lines = [
    `| FC | Case${" ".repeat(width - 4)} | Result | Test |`,
    `| --- | ${"-".repeat(width)} | --- | --- |`,
    ...rows.map((r) => `| ${r.fc} | ${r.name.padEnd(width)} | ${r.result} | ${r.passed ? "pass" : "FAIL"} |`),
  ];
  console.log(`Modbus conformance (${rows.filter((r) => r.passed).length}/${rows.length} pass):\n${lines.join("\n")}`);
});
