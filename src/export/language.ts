/**
 * What the annotations add to a v3.0 export (docs/dataset-format.md "Annotations"): lerobot's
 * language columns (`language_persistent`, `language_events`), the per-frame outcome columns
 * (`next.success`, `next.done`), the per-episode `outcome` / `tags` columns of meta/episodes and
 * the curation section of the dataset card. Each part is only written when some kept episode
 * has something to say, so a dataset without annotations exports exactly as before.
 */
import * as arrow from "apache-arrow";
import { episodeLanguage, LANGUAGE_FEATURES, type EpisodeLanguage } from "../core/annotations.ts";
import { cutShortLabel, lostFramesLabel } from "../core/dataset.ts";
import { interventionMask } from "../core/rollout.ts";
import type { FeatureSpec } from "./layout.ts";
import { listOf, nestedCol, utf8Col, type Column } from "./parquet.ts";
import type { ExportPlan, PlannedEpisode } from "./source.ts";
import { vectorStats, type FeatureStats } from "./stats.ts";

const str = (name: string, nullable = true) => new arrow.Field(name, new arrow.Utf8(), nullable);
/**
 * Arrow's canonical json extension (`arrow.json`, storage utf8), as lerobot's `_json_arrow_type()`
 * (`pa.json_()`) is: the field metadata in ARROW:schema makes pyarrow ≥ 19 read the item as
 * `extension<arrow.json>`; readers without the extension (DuckDB, older pyarrow) see its storage,
 * `string` — lerobot's fallback.
 */
const JSON_EXTENSION = new Map([
  ["ARROW:extension:name", "arrow.json"],
  ["ARROW:extension:metadata", ""],
]);
/** `tool_calls: list<json>` (lerobot's canonical type). */
const toolCalls = () =>
  new arrow.Field("tool_calls", new arrow.List(new arrow.Field("item", new arrow.Utf8(), true, JSON_EXTENSION)), true);

/** lerobot's persistent row struct, fields in its fixed order (role and timestamp non-null). */
export const PERSISTENT_STRUCT = new arrow.Struct([
  str("role", false),
  str("content"),
  str("style"),
  new arrow.Field("timestamp", new arrow.Float32(), false),
  str("camera"),
  toolCalls(),
]);
/** lerobot's event row struct: the persistent one without timestamp (the row's timestamp is the event time). */
export const EVENT_STRUCT = new arrow.Struct([str("role", false), str("content"), str("style"), str("camera"), toolCalls()]);

export const LANGUAGE_PERSISTENT = "language_persistent";
export const LANGUAGE_EVENTS = "language_events";
export const NEXT_SUCCESS = "next.success";
export const NEXT_DONE = "next.done";
/** lerobot's DAgger rollouts: true on frames where a person was correcting. */
export const INTERVENTION = "intervention";

/** What the annotations of the kept episodes add to this export. */
export interface AnnotationExtras {
  /** Per kept episode (plan order); only set when some episode has a language entry. */
  language: EpisodeLanguage[] | null;
  /** Per-frame outcome columns: only when every kept episode has a known outcome. */
  outcome: boolean;
  /** meta/episodes `outcome` and `tags` columns: when some episode has a known outcome or a tag. */
  episodeColumns: boolean;
  /** Per-frame `intervention`: when some kept episode is a policy rollout. */
  intervention: boolean;
}

export function annotationExtras(plan: ExportPlan): AnnotationExtras {
  const fps = plan.dataset.fps;
  const language = plan.episodes.map((ep) => episodeLanguage(ep.record.annotations, ep.record.length, fps));
  const anyLanguage = language.some((l) => l.persistent.length > 0 || l.events.size > 0);
  const known = plan.episodes.filter((ep) => ep.record.annotations.success !== null).length;
  const tagged = plan.episodes.some((ep) => ep.record.annotations.tags.length > 0);
  return {
    language: anyLanguage ? language : null,
    outcome: known > 0 && known === plan.episodes.length,
    episodeColumns: known > 0 || tagged,
    intervention: plan.episodes.some((ep) => ep.record.annotations.interventions !== undefined),
  };
}

/** info.json entries the extras add (after lerobot's five default features). */
export function extraFeatures(x: AnnotationExtras): Record<string, FeatureSpec> {
  const f: Record<string, FeatureSpec> = {};
  if (x.outcome) {
    f[NEXT_SUCCESS] = { dtype: "bool", shape: [1], names: null };
    f[NEXT_DONE] = { dtype: "bool", shape: [1], names: null };
  }
  if (x.intervention) f[INTERVENTION] = { dtype: "bool", shape: [1], names: null };
  if (x.language) {
    for (const [k, spec] of Object.entries(LANGUAGE_FEATURES)) f[k] = { dtype: spec.dtype, shape: [...spec.shape], names: null };
  }
  return f;
}

/** Features without statistics (lerobot skips `language`). */
export const hasStats = (spec: FeatureSpec): boolean => spec.dtype !== "language";

function boolCol(values: boolean[]): arrow.Data {
  return arrow.vectorFromArray(values, new arrow.Bool()).data[0]!;
}

const outcomeValues = (ep: PlannedEpisode) => {
  const n = ep.length;
  const done = Array.from({ length: n }, (_, i) => i === n - 1);
  const success = ep.record.annotations.success === true ? done : new Array<boolean>(n).fill(false);
  return { success, done };
};

/** The extra data columns of one episode, in features order. */
export function extraColumns(x: AnnotationExtras, ep: PlannedEpisode, position: number): Column[] {
  const cols: Column[] = [];
  if (x.outcome) {
    const { success, done } = outcomeValues(ep);
    cols.push({ name: NEXT_SUCCESS, data: boolCol(success) }, { name: NEXT_DONE, data: boolCol(done) });
  }
  if (x.intervention) cols.push({ name: INTERVENTION, data: boolCol(interventionValues(ep)) });
  const lang = x.language?.[position];
  if (lang) {
    const n = ep.length;
    const persistent = lang.persistent.map((r) => ({ ...r }));
    cols.push({
      name: LANGUAGE_PERSISTENT,
      data: nestedCol(
        Array.from({ length: n }, () => persistent),
        listOf(PERSISTENT_STRUCT),
      ),
    });
    const none: never[] = [];
    cols.push({
      name: LANGUAGE_EVENTS,
      data: nestedCol(
        Array.from({ length: n }, (_, i) => lang.events.get(i)?.map((r) => ({ ...r })) ?? none),
        listOf(EVENT_STRUCT),
      ),
    });
  }
  return cols;
}

/** Per-episode statistics of the outcome columns (0/1, like lerobot's stats over bool frames). */
export function extraStats(x: AnnotationExtras, ep: PlannedEpisode): Record<string, FeatureStats> {
  const stats: Record<string, FeatureStats> = {};
  if (x.outcome) {
    const { success, done } = outcomeValues(ep);
    stats[NEXT_SUCCESS] = vectorStats(Float64Array.from(success, Number), 1, true);
    stats[NEXT_DONE] = vectorStats(Float64Array.from(done, Number), 1, true);
  }
  if (x.intervention) stats[INTERVENTION] = vectorStats(Float64Array.from(interventionValues(ep), Number), 1, true);
  return stats;
}

/** The kept rows' intervention flags (the plan's episode length is its kept rows). */
function interventionValues(ep: PlannedEpisode): boolean[] {
  const mask = interventionMask(ep.record.annotations, ep.record.length);
  return Array.from({ length: ep.length }, (_, i) => mask[i] ?? false);
}

/** Estimated parquet bytes per row the extras add (for data file rollover). */
export function extraBytesPerRow(x: AnnotationExtras, position: number): number {
  const lang = x.language?.[position];
  const persistent = lang ? lang.persistent.reduce((a, r) => a + (r.content?.length ?? 0) + 24, 0) : 0;
  return (x.outcome ? 2 : 0) + (x.intervention ? 1 : 0) + persistent;
}

export type Outcome = "success" | "failure" | "unknown";
export const outcomeOf = (success: boolean | null): Outcome => (success === true ? "success" : success === false ? "failure" : "unknown");

/** meta/episodes `outcome` (string) and `tags` (list<string>) for these rows. */
export function episodeMetaColumns(x: AnnotationExtras, rows: PlannedEpisode[]): Column[] {
  if (!x.episodeColumns) return [];
  return [
    { name: "outcome", data: utf8Col(rows.map((ep) => outcomeOf(ep.record.annotations.success))) },
    {
      name: "tags",
      data: nestedCol(
        rows.map((ep) => [...ep.record.annotations.tags]),
        listOf(new arrow.Utf8()),
      ),
    },
  ];
}

/**
 * The dataset card's curation section: failed and QA-flagged episodes (exported indices) with a
 * ready `--dataset.exclude_episodes` line, and what the annotations became. Empty when there is
 * nothing to say (a dataset without annotations or flags gets today's card).
 */
export function curationSection(plan: ExportPlan, x: AnnotationExtras, version: "v3.0" | "v2.1", repoId?: string): string[] {
  const failed = plan.episodes.filter((ep) => ep.record.annotations.success === false).map((ep) => ep.index);
  const flagged = plan.episodes.filter((ep) => ep.record.qa.length > 0);
  const unknown = plan.episodes.filter((ep) => ep.record.annotations.success === null).length;
  const lines: string[] = [];
  if (version === "v2.1" && (x.language || x.episodeColumns)) {
    lines.push(
      "Annotations (subtasks, corrections, outcome and tags) are not part of this v2.1 export: the LeRobot language columns and",
      "the outcome columns are written by the v3.0 export only. Export as v3.0 to train with them.",
      "",
    );
  }
  if (version === "v3.0" && x.language) {
    lines.push(
      "Language: subtasks are in `language_persistent` (style `subtask`, the same list on every frame of an episode); corrections and",
      "interjections are in `language_events` (style `interjection`) on the frame where they happen.",
      "",
    );
  }
  if (version === "v3.0" && x.episodeColumns) {
    lines.push(
      "Outcome and tags: columns `outcome` (success / failure / unknown) and `tags` of meta/episodes.",
      x.outcome
        ? "Per frame, `next.done` is true on each episode's last frame and `next.success` on the last frame of a successful episode."
        : `\`next.success\`/\`next.done\` are not written: ${unknown} episode(s) have no known outcome. Mark them in the annotator to get them.`,
      "",
    );
  }
  if (failed.length === 0 && flagged.length === 0) return lines;
  lines.push("## Curation", "");
  if (failed.length > 0) lines.push(`- Failed episodes: ${failed.join(", ")}`);
  for (const ep of flagged) {
    const labels = [cutShortLabel(ep.record.qa), lostFramesLabel(ep.record.qa)].filter((l) => l !== undefined);
    const kinds = [...new Set(ep.record.qa.map((q) => q.kind))].join(", ");
    lines.push(`- Episode ${ep.index} has QA flags: ${kinds}${labels.length > 0 ? ` (${labels.join(", ")})` : ""}`);
  }
  const exclude = [...new Set([...failed, ...flagged.map((ep) => ep.index)])].sort((a, b) => a - b);
  lines.push(
    "",
    "To train without them:",
    "",
    "```bash",
    `lerobot-train --dataset.repo_id=${repoId ?? "<user>/<dataset>"} --dataset.exclude_episodes='[${exclude.join(",")}]' ...`,
    "```",
    "",
  );
  return lines;
}
