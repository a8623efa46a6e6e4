/**
 * The per-frame `intervention` column of an imported episode (lerobot's DAgger field, ours from a
 * policy rollout: bool, shape [1]) as the episode's `interventions` row spans, so export → import
 * → export keeps it. A column another tool wrote as a one-element list, or as 0/1 integers, reads
 * the same. A row without a value (null) is taken as not corrected, with a warning naming the
 * episode and rows; a column of another type is left out with a warning (the rest imports).
 */
import * as arrow from "apache-arrow";
import type { InterventionSpan } from "../../core/dataset.ts";
import { INTERVENTION } from "../language.ts";

export interface InterventionRead {
  /** Undefined: the episode has no `intervention` column (not a rollout). */
  spans: InterventionSpan[] | undefined;
  warnings: string[];
}

/** One cell as true / false, or null when it holds no value. */
function flag(cell: unknown): boolean | null {
  if (cell === null || cell === undefined) return null;
  if (typeof cell === "boolean") return cell;
  if (typeof cell === "number" || typeof cell === "bigint") return Number(cell) !== 0;
  if (typeof cell === "object" && Symbol.iterator in cell) {
    const [first] = cell as Iterable<unknown>;
    return flag(first);
  }
  return null;
}

function readable(type: arrow.DataType): boolean {
  if (arrow.DataType.isBool(type) || arrow.DataType.isInt(type)) return true;
  if (arrow.DataType.isList(type) || arrow.DataType.isFixedSizeList(type)) {
    const child = (type as arrow.List | arrow.FixedSizeList).children[0]!.type;
    return arrow.DataType.isBool(child) || arrow.DataType.isInt(child);
  }
  return false;
}

/** The `intervention` rows of one episode's table (its rows only) as spans [startFrame, endFrame). */
export function readInterventions(table: arrow.Table, episode: number): InterventionRead {
  const col = table.getChild(INTERVENTION);
  if (!col) return { spans: undefined, warnings: [] };
  if (!readable(col.type))
    return {
      spans: undefined,
      warnings: [`Episode ${episode}: ${INTERVENTION} is ${String(col.type)}, not a bool per row; the corrected rows were left out.`],
    };
  const spans: InterventionSpan[] = [];
  const missing: number[] = [];
  let open: number | undefined;
  for (let row = 0; row < table.numRows; row++) {
    const v = flag(col.get(row));
    if (v === null) missing.push(row);
    if (v === true && open === undefined) open = row;
    if (v !== true && open !== undefined) {
      spans.push({ startFrame: open, endFrame: row });
      open = undefined;
    }
  }
  if (open !== undefined) spans.push({ startFrame: open, endFrame: table.numRows });
  const warnings =
    missing.length === 0
      ? []
      : [
          `Episode ${episode}: ${INTERVENTION} has no value on ${missing.length} row${missing.length === 1 ? "" : "s"} ` +
            `(first: row ${missing[0]}); they were taken as not corrected.`,
        ];
  return { spans, warnings };
}
