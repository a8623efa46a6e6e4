/**
 * Field readers shared by the record validators (profileRecord.ts, episodeRecord.ts): each
 * returns the value or throws Invalid with the field's path and what was found.
 */

export type Raw = Record<string, unknown>;

/** A record failed validation; the message names the field. */
export class Invalid extends Error {}

export function object(x: unknown, path: string): Raw {
  if (!isRecord(x)) throw new Invalid(`${path}: expected an object, got ${describe(x)}`);
  return x;
}

export function nonEmptyString(x: unknown, path: string): string {
  if (typeof x !== "string" || x.trim() === "") throw new Invalid(`${path}: expected a non-empty string, got ${describe(x)}`);
  return x;
}

export function timestamp(x: unknown, path: string): number {
  if (typeof x !== "number" || !Number.isFinite(x) || x < 0) throw new Invalid(`${path}: expected ms since epoch, got ${describe(x)}`);
  return x;
}

export function isRecord(x: unknown): x is Raw {
  return typeof x === "object" && x !== null && !Array.isArray(x);
}

export function describe(x: unknown): string {
  if (x === undefined) return "nothing";
  if (x === null) return "null";
  if (Array.isArray(x)) return "an array";
  if (typeof x === "string") return JSON.stringify(x.length > 40 ? `${x.slice(0, 40)}…` : x);
  if (typeof x === "number" || typeof x === "boolean") return String(x);
  return `a ${typeof x}`;
}
