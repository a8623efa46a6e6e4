/**
 * Field readers shared by the record validators (profileRecord.ts, datasetRecord.ts,
 * episodeRecord.ts) and the dataset import: each returns the value or throws Invalid with the
 * field's path and what was found. `attempt` turns a reader's Invalid into `{ error }`.
 */

export type Raw = Record<string, unknown>;

/** A record failed validation; the message names the field. */
export class Invalid extends Error {}

/** A value that was read, or why it could not be. */
export type Checked<T> = T | { error: string };

/** Runs a reader; an Invalid becomes `{ error }` (its message), anything else is thrown on. */
export function attempt<T>(read: () => T): Checked<T> {
  try {
    return read();
  } catch (e) {
    if (e instanceof Invalid) return { error: e.message };
    throw e;
  }
}

export function object(x: unknown, path: string): Raw {
  if (!isRecord(x)) throw new Invalid(`${path}: expected an object, got ${describe(x)}`);
  return x;
}

export function array(x: unknown, path: string, noun = "an array"): unknown[] {
  if (!Array.isArray(x)) throw new Invalid(`${path}: expected ${noun}, got ${describe(x)}`);
  return x;
}

export function string(x: unknown, path: string): string {
  if (typeof x !== "string") throw new Invalid(`${path}: expected a string, got ${describe(x)}`);
  return x;
}

export function nonEmptyString(x: unknown, path: string): string {
  if (typeof x !== "string" || x.trim() === "") throw new Invalid(`${path}: expected a non-empty string, got ${describe(x)}`);
  return x;
}

export function bool(x: unknown, path: string): boolean {
  if (typeof x !== "boolean") throw new Invalid(`${path}: expected true or false, got ${describe(x)}`);
  return x;
}

/** One of `options` (string enums). */
export function oneOf<T extends string>(x: unknown, options: readonly T[], path: string): T {
  const found = options.find((o) => o === x);
  if (found === undefined) throw new Invalid(`${path}: expected ${options.join(" or ")}, got ${describe(x)}`);
  return found;
}

/** A safe integer in [min, max] (either bound may be left open). */
export function integer(x: unknown, path: string, min = Number.MIN_SAFE_INTEGER, max = Number.MAX_SAFE_INTEGER): number {
  if (typeof x !== "number" || !Number.isSafeInteger(x) || x < min || x > max) {
    const range =
      max !== Number.MAX_SAFE_INTEGER
        ? `an integer in ${min}..${max}`
        : min !== Number.MIN_SAFE_INTEGER
          ? `an integer ≥ ${min}`
          : "an integer";
    throw new Invalid(`${path}: expected ${range}, got ${describe(x)}`);
  }
  return x;
}

export function finite(x: unknown, path: string): number {
  if (typeof x !== "number" || !Number.isFinite(x)) throw new Invalid(`${path}: expected a number, got ${describe(x)}`);
  return x;
}

export function positive(x: unknown, path: string): number {
  if (typeof x !== "number" || !Number.isFinite(x) || x <= 0) throw new Invalid(`${path}: expected a positive number, got ${describe(x)}`);
  return x;
}

export function timestamp(x: unknown, path: string): number {
  if (typeof x !== "number" || !Number.isFinite(x) || x < 0) throw new Invalid(`${path}: expected ms since epoch, got ${describe(x)}`);
  return x;
}

/** Every value appears once. */
export function unique(values: string[], path: string): void {
  const dup = values.find((v, i) => values.indexOf(v) !== i);
  if (dup !== undefined) throw new Invalid(`${path}: ${describe(dup)} appears twice`);
}

export function isRecord(x: unknown): x is Raw {
  return typeof x === "object" && x !== null && !Array.isArray(x);
}

/** What was found, for a message: short, and never the whole of a long string. */
export function describe(x: unknown): string {
  if (x === undefined) return "nothing";
  if (x === null) return "null";
  if (Array.isArray(x)) return "an array";
  if (typeof x === "string") return JSON.stringify(x.length > 40 ? `${x.slice(0, 40)}…` : x);
  if (typeof x === "number" || typeof x === "boolean") return String(x);
  return `a ${typeof x}`;
}
