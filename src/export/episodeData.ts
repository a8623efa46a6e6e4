/** One episode's data rows as an Arrow table, and its per-episode statistics. */
import type * as arrow from "apache-arrow";
import { imageFeatureKey, type DatasetRecord } from "../core/dataset.ts";
import { ExportError } from "./errors.ts";
import { ACTION_VALID, STATE_VALID } from "./layout.ts";
import { fixedFloatList, float32Col, int64Col, makeTable, type Column } from "./parquet.ts";
import type { EpisodeRows, PlannedEpisode } from "./source.ts";
import { constantStats, imageFeatureStats, vectorStats, type FeatureStats } from "./stats.ts";

/** The data rows; `extra` columns (annotations, already in features order) follow the five defaults. */
export function episodeTable(
  d: DatasetRecord,
  ep: PlannedEpisode,
  rows: EpisodeRows,
  metadata: Map<string, string>,
  extra: readonly Column[] = [],
  masks = false,
): arrow.Table {
  const w = d.jointNames.length;
  const n = ep.length;
  const ts = new Float32Array(n);
  const frameIndex = new BigInt64Array(n);
  const episodeIndex = new BigInt64Array(n).fill(BigInt(ep.index));
  const index = new BigInt64Array(n);
  const taskIndex = new BigInt64Array(n).fill(BigInt(ep.taskIndex));
  for (let i = 0; i < n; i++) {
    ts[i] = i / d.fps;
    frameIndex[i] = BigInt(i);
    index[i] = BigInt(ep.globalFrom + i);
  }
  return makeTable(
    [
      { name: "action", data: fixedFloatList(rows.action, w) },
      { name: "observation.state", data: fixedFloatList(rows.state, w) },
      ...(masks
        ? [
            { name: STATE_VALID, data: fixedFloatList(rows.stateValid, w) },
            { name: ACTION_VALID, data: fixedFloatList(rows.actionValid, w) },
          ]
        : []),
      { name: "timestamp", data: float32Col(ts) },
      { name: "frame_index", data: int64Col(frameIndex) },
      { name: "episode_index", data: int64Col(episodeIndex) },
      { name: "index", data: int64Col(index) },
      { name: "task_index", data: int64Col(taskIndex) },
      ...extra,
    ],
    metadata,
  );
}

/** Stats of every feature for one episode, in features order. */
export function episodeStats(d: DatasetRecord, ep: PlannedEpisode, rows: EpisodeRows, masks = false): Record<string, FeatureStats> {
  const w = d.jointNames.length;
  const n = ep.length;
  const ts = new Float32Array(n);
  const frames = new Float64Array(n);
  const global = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    ts[i] = i / d.fps;
    frames[i] = i;
    global[i] = ep.globalFrom + i;
  }
  const out: Record<string, FeatureStats> = {
    action: vectorStats(rows.action, w),
    "observation.state": vectorStats(rows.state, w),
  };
  if (masks) {
    out[STATE_VALID] = vectorStats(rows.stateValid, w);
    out[ACTION_VALID] = vectorStats(rows.actionValid, w);
  }
  for (const cam of d.cameras) {
    const s = ep.record.imageStats[cam.key];
    if (!s) {
      throw new ExportError(
        `Episode ${ep.record.id} has no image statistics for camera "${cam.key}" (they are computed while recording or read on import). Discard or re-import the episode.`,
        { episode: ep.record.id, camera: cam.key },
      );
    }
    out[imageFeatureKey(cam.key)] = imageFeatureStats(s);
  }
  out["timestamp"] = vectorStats(ts, 1);
  out["frame_index"] = vectorStats(frames, 1, true);
  out["episode_index"] = constantStats(ep.index, n, true);
  out["index"] = vectorStats(global, 1, true);
  out["task_index"] = constantStats(ep.taskIndex, n, true);
  return out;
}
