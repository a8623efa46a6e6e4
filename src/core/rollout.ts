/**
 * A policy rollout's timeline (page clock) onto an episode's rows: the windows a person corrected
 * become `interventions` (row spans) and the instructions typed mid-rollout become interjection
 * events on their row, through the annotation model (core/annotations.ts). Row k of an episode is
 * at t0 + k / fps; a window starting at t covers the rows at or after t.
 */
import { addEvent, type AnnotationDoc, keptRange } from "./annotations.ts";
import type { EpisodeAnnotations, InterventionSpan } from "./dataset.ts";

export interface RolloutTimeline {
  /** Pause → resume (endMs undefined: still correcting when the take ended). */
  readonly interventions: readonly { readonly startMs: number; readonly endMs: number | undefined }[];
  readonly interjections: readonly { readonly tMs: number; readonly text: string }[];
}

/** The first row at or after `tMs` (rows at t0 + k/fps). */
export function rowAt(tMs: number, t0Ms: number, fps: number): number {
  return Math.max(0, Math.ceil(((tMs - t0Ms) * fps) / 1000 - 1e-6));
}

/** The annotations of a rollout episode: its intervention spans and interjections added to `base`. */
export function rolloutAnnotations(
  base: EpisodeAnnotations,
  timeline: RolloutTimeline,
  t0Ms: number,
  fps: number,
  length: number,
  newId: () => string,
): EpisodeAnnotations {
  const spans: InterventionSpan[] = [];
  for (const w of timeline.interventions) {
    const a = Math.min(length, rowAt(w.startMs, t0Ms, fps));
    const b = w.endMs === undefined ? length : Math.min(length, rowAt(w.endMs, t0Ms, fps));
    if (b <= a) continue;
    const last = spans[spans.length - 1];
    if (last && a <= last.endFrame) last.endFrame = Math.max(last.endFrame, b);
    else spans.push({ startFrame: a, endFrame: b });
  }
  let doc: AnnotationDoc = { task: "", annotations: { ...base, interventions: spans } };
  for (const j of timeline.interjections) {
    const frame = rowAt(j.tMs, t0Ms, fps);
    if (frame >= length || !j.text.trim()) continue;
    doc = addEvent(doc, { id: newId(), frame, kind: "interjection", text: j.text.trim() }, length);
  }
  return doc.annotations;
}

/** Per kept row: was a person correcting? (The trim re-bases rows: kept row 0 = trimStart.) */
export function interventionMask(a: EpisodeAnnotations, length: number): boolean[] {
  const { start, end } = keptRange(a, length);
  const out = new Array<boolean>(Math.max(0, end - start)).fill(false);
  for (const s of a.interventions ?? []) {
    for (let f = Math.max(s.startFrame, start); f < Math.min(s.endFrame, end); f++) out[f - start] = true;
  }
  return out;
}
