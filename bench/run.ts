/**
 * `npm run bench` runs every benchmark; `npm run bench -- <prefix>` those whose id starts
 * with the prefix. Prints a table and writes bench/results.json (an array of
 * {id, value, unit, goal}); figures from earlier runs of other ids are kept.
 */
import { existsSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { type Benchmark, type BenchResult, meetsGoal } from "./types.ts";

const here = dirname(fileURLToPath(import.meta.url));
const prefixes = process.argv.slice(2).filter((a) => !a.startsWith("-"));

const files = readdirSync(here)
  .filter((f) => f.endsWith(".bench.ts"))
  .sort();
const all: Benchmark[] = [];
for (const f of files) {
  const mod = (await import(pathToFileURL(join(here, f)).href)) as { benchmarks: Benchmark[] };
  all.push(...mod.benchmarks);
}
const selected = all.filter((b) => prefixes.length === 0 || prefixes.some((p) => b.id.startsWith(p)));
if (selected.length === 0) {
  console.error(`No benchmark id starts with ${prefixes.join(" or ")}. Known: ${all.map((b) => b.id).join(", ")}`);
  process.exit(1);
}

const results: BenchResult[] = [];
let failed = 0;
for (const b of selected) {
  process.stderr.write(`running ${b.id}… `);
  const value = await b.run();
  const rounded = Number(value.toPrecision(4));
  results.push({ id: b.id, value: rounded, unit: b.unit, goal: b.goal });
  const ok = meetsGoal(value, b.goal);
  if (ok === false) failed++;
  process.stderr.write(`${rounded} ${b.unit}\n`);
}

const out = join(here, "results.json");
const previous: BenchResult[] = existsSync(out) ? (JSON.parse(readFileSync(out, "utf8")) as BenchResult[]) : [];
const merged = [...previous.filter((p) => !results.some((r) => r.id === p.id)), ...results].sort((a, b) => a.id.localeCompare(b.id));
writeFileSync(out, JSON.stringify(merged, null, 2) + "\n");

const rows = results.map((r) => {
  const ok = meetsGoal(r.value, r.goal);
  return [r.id, String(r.value), r.unit, r.goal || "—", ok === undefined ? "" : ok ? "ok" : "MISSED"];
});
const header = ["id", "value", "unit", "goal", ""];
const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i]!)).join("  ");
console.log(line(header));
console.log(widths.map((w) => "-".repeat(w)).join("  "));
for (const r of rows) console.log(line(r));
console.log(`\nwrote ${out}${failed > 0 ? ` — ${failed} figure(s) missed their goal` : ""}`);
