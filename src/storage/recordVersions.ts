/**
 * Lazy migration of stored records (profiles, datasets, episodes). Every record carries
 * `schemaVersion`; reading runs the upgrade steps from the record's version to the current one,
 * then the record's reader validates the result. Records are not rewritten in bulk: the next
 * write stores the current shape. Steps work on unvalidated data and must not throw.
 */
import { describe, isRecord, type Raw } from "./fields.ts";

/** One step: a record of version v (unvalidated) to version v + 1. */
export type Upgrade = (record: Raw) => Raw;

/**
 * The record at the `current` version, or why not. `upgrades[v - first]` turns version v into
 * v + 1; `first` is the oldest version there is (so `upgrades.length === current - first`).
 */
export function upgradeRecord(
  raw: unknown,
  upgrades: readonly Upgrade[],
  current: number,
  kind: string,
  first = 1,
): { record: Raw } | { error: string } {
  if (!isRecord(raw)) return { error: `expected a ${kind} object, got ${describe(raw)}` };
  const version = raw["schemaVersion"];
  if (typeof version !== "number" || !Number.isSafeInteger(version) || version < first) {
    return { error: `schemaVersion: expected a ${first === 0 ? "non-negative" : "positive"} integer, got ${describe(version)}` };
  }
  if (version > current) {
    return {
      error: `saved by a newer version of the studio (${kind} schema ${version}, this page reads up to ${current}); reload the page`,
    };
  }
  let record: Raw = raw;
  for (let v = version; v < current; v++) record = upgrades[v - first]!(record);
  return { record };
}
