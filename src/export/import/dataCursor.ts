/** Joint rows of imported episodes: each data file read once, one episode's rows at a time, checked to be contiguous. */
import type { RowBatch } from "../../core/dataset.ts";
import { clip } from "../../core/messages.ts";
import { ImportError } from "../errors.ts";
import { ACTION_VALID, STATE_VALID } from "../layout.ts";
import { floats, ints, parquet, vectors } from "./columns.ts";
import type { DatasetFiles } from "./files.ts";
import type { EpisodeMeta } from "./episodesMeta.ts";
import type * as arrow from "apache-arrow";

/** Reads data files once each and hands out one episode's rows at a time. */
export class DataCursor {
  private path = "";
  private table: arrow.Table | undefined;
  private index: number[] = [];
  private readonly files: DatasetFiles;
  private readonly width: number;
  /** Features info.json declares as data columns: each data file must have them all. */
  private readonly declared: readonly string[];
  constructor(files: DatasetFiles, width: number, declared: readonly string[]) {
    this.files = files;
    this.width = width;
    this.declared = declared;
  }

  private masked(t: arrow.Table, name: string, mask: string): Float32Array {
    return maskedVectors(t, name, mask, this.width, this.path);
  }

  async episode(
    ep: EpisodeMeta,
  ): Promise<{ rows: { state: Float32Array; action: Float32Array; timestamp: number[] }; taskIndex: number; table: arrow.Table }> {
    if (ep.dataPath !== this.path) {
      this.table = await parquet(this.files, ep.dataPath);
      this.path = ep.dataPath;
      const absent = this.declared.filter((key) => !this.table!.getChild(key));
      if (absent.length > 0)
        throw new ImportError(
          `meta/info.json declares ${absent.map((k) => clip(k)).join(", ")}, but ${ep.dataPath} has no such column. ` +
            "The dataset's files do not match its metadata; copy or download it again.",
          ep.dataPath,
        );
      this.index = ints(this.table, "index", ep.dataPath);
    }
    const t = this.table!;
    const path = this.path;
    const first = this.index.indexOf(ep.from);
    if (first < 0) throw new ImportError(`${path} does not hold episode ${ep.index}'s rows (index ${ep.from}..${ep.to - 1}).`, path);
    const sub = t.slice(first, first + ep.length);
    if (sub.numRows !== ep.length)
      throw new ImportError(`${path}: episode ${ep.index} has ${sub.numRows} rows, metadata says ${ep.length}.`, path);
    const frameIndex = ints(sub, "frame_index", path);
    const epIndex = ints(sub, "episode_index", path);
    const taskIdx = ints(sub, "task_index", path);
    const timestamp = floats(sub, "timestamp", path);
    for (let i = 0; i < ep.length; i++) {
      if (this.index[first + i] !== ep.from + i || frameIndex[i] !== i || epIndex[i] !== ep.index) {
        throw new ImportError(
          `${path}: episode ${ep.index}'s rows are not contiguous (row ${i}: index ${this.index[first + i]}, frame_index ${frameIndex[i]}, episode_index ${epIndex[i]}).`,
          path,
        );
      }
      if (taskIdx[i] !== taskIdx[0])
        throw new ImportError(`${path}: episode ${ep.index} changes task inside the episode; one task per episode is supported.`, path);
    }
    return {
      rows: { state: this.masked(sub, "observation.state", STATE_VALID), action: this.masked(sub, "action", ACTION_VALID), timestamp },
      taskIndex: taskIdx[0] ?? 0,
      table: sub,
    };
  }
}

/**
 * `name`'s values, with those its validity mask (if the dataset has one) marks as not read set to
 * missing (NaN): a value another tool filled in where the mask says 0 is not taken for a reading.
 */
function maskedVectors(t: arrow.Table, name: string, mask: string, width: number, path: string): Float32Array {
  const values = vectors(t, name, width, path);
  if (!t.schema.fields.some((f) => f.name === mask)) return values;
  const valid = vectors(t, mask, width, path);
  for (let i = 0; i < values.length; i++) if (valid[i] === 0) values[i] = NaN;
  return values;
}

export function toRowBatches(
  episodeId: string,
  rows: { state: Float32Array; action: Float32Array; timestamp: number[] },
  length: number,
  width: number,
  fps: number,
): RowBatch[] {
  const out: RowBatch[] = [];
  for (let first = 0, seq = 0; first < length; first += fps, seq++) {
    const count = Math.min(fps, length - first);
    out.push({
      episodeId,
      seq,
      firstRow: first,
      count,
      state: rows.state.slice(first * width, (first + count) * width),
      action: rows.action.slice(first * width, (first + count) * width),
      rowTimeMs: Float64Array.from({ length: count }, (_, i) => rows.timestamp[first + i]! * 1000),
      sampleTimeMs: new Float64Array(count).fill(NaN),
    });
  }
  return out;
}
