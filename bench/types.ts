/** One benchmark figure. `goal` is a comparison such as ">= 0.8" or "< 50" (empty: reported only). */
export interface Benchmark {
  readonly id: string;
  readonly unit: string;
  readonly goal: string;
  /** What it measures, for the table and docs/benchmarks.md. */
  readonly what: string;
  run(): Promise<number>;
}

export interface BenchResult {
  readonly id: string;
  readonly value: number;
  readonly unit: string;
  readonly goal: string;
}

export function meetsGoal(value: number, goal: string): boolean | undefined {
  const m = /^\s*(>=|<=|>|<|=)\s*(-?[\d.]+)\s*$/.exec(goal);
  if (!m) return undefined;
  const target = Number(m[2]);
  const op: string = m[1] ?? "";
  switch (op) {
    case ">=":
      return value >= target;
    case "<=":
      return value <= target;
    case ">":
      return value > target;
    case "<":
      return value < target;
    case "=":
      return value === target;
    default:
      return undefined;
  }
}
