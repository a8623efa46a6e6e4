/**
 * How much of the decoder fuzzing runs: all of it (over a million streams per decoder) with
 * FUZZ=full — `npm run test:fuzz`, which CI runs — and a 5 % sample in the default `npm test`,
 * so the everyday suite stays quick. Counts and the thresholds checked against them scale alike.
 */
export const FUZZ_SCALE =
  (globalThis as { process?: { env?: Record<string, string | undefined> } }).process?.env?.["FUZZ"] === "full" ? 1 : 0.05;

export const scaled = (n: number): number => Math.max(1, Math.round(n * FUZZ_SCALE));
