/**
 * `npm run bench -- <suite>`: runs test/bench/<suite>.bench.ts. Every suite
 * prints its figures beside a peer measured in the same run, as a ratio, so a
 * slow or busy machine changes both sides and not the verdict.
 */
import { readdirSync } from "node:fs";
import { fileURLToPath } from "node:url";

const dir = fileURLToPath(new URL(".", import.meta.url));
const suites = readdirSync(dir)
  .filter((f) => f.endsWith(".bench.ts"))
  .map((f) => f.slice(0, -".bench.ts".length))
  .sort();

const requested = process.argv.slice(2).filter((a) => !a.startsWith("-"));
if (requested.length === 0) {
  console.log(`usage: npm run bench -- <suite> [suite...]\nsuites: ${suites.join(", ") || "(none yet)"}`);
  process.exitCode = suites.length === 0 ? 0 : 2;
} else {
  for (const name of requested) {
    if (!suites.includes(name)) {
      console.error(`no benchmark suite "${name}"; available: ${suites.join(", ")}`);
      process.exitCode = 2;
      continue;
    }
    const suite = (await import(`./${name}.bench.ts`)) as { run(): Promise<void> };
    console.log(`== ${name} ==`);
    await suite.run();
  }
}
