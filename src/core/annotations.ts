/**
 * Language annotation of an episode (docs/annotation.md): pure edits of EpisodeAnnotations + task,
 * an undo/redo history, and the task library's suggestions. No I/O: the episodes store saves what
 * these functions return.
 */
import type { EpisodeAnnotations, PointEvent, SubtaskSpan } from "./dataset.ts";

/** What the annotator edits on one episode: its task and its annotations. */
export interface AnnotationDoc {
  readonly task: string;
  readonly annotations: EpisodeAnnotations;
}

export interface AnnotationHistory {
  readonly past: readonly AnnotationDoc[];
  readonly present: AnnotationDoc;
  readonly future: readonly AnnotationDoc[];
}

/** Undo steps kept per episode. */
const HISTORY_LIMIT = 200;

export function createHistory(present: AnnotationDoc): AnnotationHistory {
  return { past: [], present, future: [] };
}

/** Records a new present (dropping the redo branch); an edit that changes nothing is not a step. */
export function commit(h: AnnotationHistory, next: AnnotationDoc): AnnotationHistory {
  if (sameDoc(h.present, next)) return h;
  const past = [...h.past, h.present];
  if (past.length > HISTORY_LIMIT) past.splice(0, past.length - HISTORY_LIMIT);
  return { past, present: next, future: [] };
}

export function undo(h: AnnotationHistory): AnnotationHistory {
  const prev = h.past[h.past.length - 1];
  if (!prev) return h;
  return { past: h.past.slice(0, -1), present: prev, future: [h.present, ...h.future] };
}

export function redo(h: AnnotationHistory): AnnotationHistory {
  const next = h.future[0];
  if (!next) return h;
  return { past: [...h.past, h.present], present: next, future: h.future.slice(1) };
}

export function sameDoc(a: AnnotationDoc, b: AnnotationDoc): boolean {
  return a.task === b.task && JSON.stringify(a.annotations) === JSON.stringify(b.annotations);
}

// ---- edits: each returns a new doc; frames are clamped to the episode ([0, length]).

const clampFrame = (f: number, length: number) => Math.min(Math.max(0, Math.round(f)), Math.max(0, length));

function withAnn(doc: AnnotationDoc, patch: Partial<EpisodeAnnotations>): AnnotationDoc {
  return { task: doc.task, annotations: { ...doc.annotations, ...patch } };
}

export function setTask(doc: AnnotationDoc, task: string): AnnotationDoc {
  return { task, annotations: doc.annotations };
}

/** Spans kept sorted by start; a span of zero frames is not added (it would cover nothing). */
export function addSpan(doc: AnnotationDoc, span: SubtaskSpan, length: number): AnnotationDoc {
  const a = clampFrame(Math.min(span.startFrame, span.endFrame), length);
  const b = clampFrame(Math.max(span.startFrame, span.endFrame), length);
  if (b <= a) return doc;
  const spans = [...doc.annotations.spans, { id: span.id, startFrame: a, endFrame: b, text: span.text }].sort(
    (x, y) => x.startFrame - y.startFrame || x.endFrame - y.endFrame,
  );
  return withAnn(doc, { spans });
}

export function updateSpan(doc: AnnotationDoc, id: string, patch: Partial<Omit<SubtaskSpan, "id">>, length: number): AnnotationDoc {
  const spans = doc.annotations.spans.map((s) => {
    if (s.id !== id) return s;
    const start = clampFrame(patch.startFrame ?? s.startFrame, length);
    const end = clampFrame(patch.endFrame ?? s.endFrame, length);
    return { id, startFrame: Math.min(start, end), endFrame: Math.max(start, end, Math.min(start, end) + 1), text: patch.text ?? s.text };
  });
  return withAnn(doc, { spans: spans.sort((x, y) => x.startFrame - y.startFrame || x.endFrame - y.endFrame) });
}

export function removeSpan(doc: AnnotationDoc, id: string): AnnotationDoc {
  return withAnn(doc, { spans: doc.annotations.spans.filter((s) => s.id !== id) });
}

export function addEvent(doc: AnnotationDoc, event: PointEvent, length: number): AnnotationDoc {
  const e = { ...event, frame: clampFrame(event.frame, Math.max(0, length - 1)) };
  return withAnn(doc, { events: [...doc.annotations.events, e].sort((x, y) => x.frame - y.frame) });
}

export function updateEvent(doc: AnnotationDoc, id: string, patch: Partial<Omit<PointEvent, "id">>): AnnotationDoc {
  return withAnn(doc, { events: doc.annotations.events.map((e) => (e.id === id ? { ...e, ...patch } : e)) });
}

export function removeEvent(doc: AnnotationDoc, id: string): AnnotationDoc {
  return withAnn(doc, { events: doc.annotations.events.filter((e) => e.id !== id) });
}

/** Tags are trimmed, non-empty and unique (case-sensitive, first spelling kept). */
function normalizeTags(tags: readonly string[]): string[] {
  const out: string[] = [];
  for (const t of tags) {
    const v = t.trim();
    if (v && !out.includes(v)) out.push(v);
  }
  return out;
}

export function addTag(doc: AnnotationDoc, tag: string): AnnotationDoc {
  return withAnn(doc, { tags: normalizeTags([...doc.annotations.tags, tag]) });
}

export function removeTag(doc: AnnotationDoc, tag: string): AnnotationDoc {
  return withAnn(doc, { tags: doc.annotations.tags.filter((t) => t !== tag) });
}

export function setSuccess(doc: AnnotationDoc, success: boolean | null): AnnotationDoc {
  return withAnn(doc, { success });
}

export function setDeleted(doc: AnnotationDoc, deleted: boolean): AnnotationDoc {
  const rest = { ...doc.annotations };
  delete rest.deleted;
  return { task: doc.task, annotations: deleted ? { ...rest, deleted: true } : rest };
}

/**
 * The keyframe at or before `frame`: a trimmed episode must start on a keyframe (its video is
 * cut without re-encoding). `keyframes` is sorted; with none at or before, 0.
 */
export function snapToKeyframe(frame: number, keyframes: readonly number[]): number {
  let best = 0;
  for (const k of keyframes) {
    if (k <= frame) best = k;
    else break;
  }
  return best;
}

/**
 * Sets the kept rows [start, end): start snapped down to a keyframe, end clamped to the episode
 * (end = length is stored as null, "to the end"); at least one row is kept.
 */
export function setTrim(
  doc: AnnotationDoc,
  start: number,
  end: number | null,
  length: number,
  keyframes: readonly number[],
): AnnotationDoc {
  if (length <= 0) return withAnn(doc, { trimStart: 0, trimEnd: null });
  const s = snapToKeyframe(clampFrame(start, length - 1), keyframes);
  const e = end === null ? length : clampFrame(end, length);
  const endOut = Math.max(e, s + 1);
  return withAnn(doc, { trimStart: s, trimEnd: endOut >= length ? null : endOut });
}

/** The rows kept by the trim, [start, end). */
export function keptRange(a: EpisodeAnnotations, length: number): { start: number; end: number } {
  const end = a.trimEnd === null ? length : Math.min(a.trimEnd, length);
  return { start: Math.min(a.trimStart, end), end };
}

// ---- task library

/** The library after using `task`: most recent first, unique, empty strings dropped. */
export function rememberTask(library: readonly string[], task: string, limit = 100): string[] {
  const t = task.trim();
  if (!t) return [...library];
  return [t, ...library.filter((x) => x !== t)].slice(0, limit);
}

/**
 * Suggestions for what the annotator typed: library entries that start with it first, then ones
 * containing every typed word (case-insensitive), in library order; the exact entry is left out.
 */
export function suggestTasks(library: readonly string[], typed: string, limit = 8): string[] {
  const q = typed.trim().toLowerCase();
  if (!q) return library.slice(0, limit);
  const words = q.split(/\s+/);
  const prefix: string[] = [];
  const rest: string[] = [];
  for (const t of library) {
    const l = t.toLowerCase();
    if (l === q) continue;
    if (l.startsWith(q)) prefix.push(t);
    else if (words.every((w) => l.includes(w))) rest.push(t);
  }
  return [...prefix, ...rest].slice(0, limit);
}

// ---- LeRobot language columns (written by the v3.0 export when an episode has spans or events; src/export/language.ts)

/**
 * A row of lerobot's `language_persistent` column: state that stays active from `timestamp`
 * (seconds into the exported episode, float32) until a later row of the same style replaces it.
 */
export interface LanguagePersistentRow {
  readonly role: "user" | "assistant";
  readonly content: string | null;
  readonly style: string | null;
  readonly timestamp: number;
  readonly camera: string | null;
  readonly tool_calls: null;
}

/** A row of lerobot's `language_events` column: stored on the one frame where it happened. */
export interface LanguageEventRow {
  readonly role: "user" | "assistant";
  readonly content: string | null;
  readonly style: string | null;
  readonly camera: string | null;
  readonly tool_calls: null;
}

export interface EpisodeLanguage {
  /** Every frame of the exported episode carries this same list. */
  readonly persistent: readonly LanguagePersistentRow[];
  /** Event rows by frame index of the exported (trimmed) episode; frames without events are absent. */
  readonly events: ReadonlyMap<number, readonly LanguageEventRow[]>;
}

/** info.json `features` entries of the two columns. */
export const LANGUAGE_FEATURES = {
  language_persistent: { dtype: "language", shape: [1], names: null },
  language_events: { dtype: "language", shape: [1], names: null },
} as const;

/**
 * The language columns of one exported episode from its annotations: each subtask span becomes a
 * persistent `subtask` row (role assistant) stamped at its first kept frame; corrections and
 * interjections become `interjection` events (role user) on their frame. Notes are the
 * annotator's own and are not exported. Frames are re-based on the trim (kept row 0 = trimStart);
 * spans and events outside the kept rows are left out. lerobot reads a subtask as active until
 * the next one starts, so the end of a span is not represented (a gap keeps the previous text).
 * Timestamps are float32 `frame / fps`, the very values of the data parquet's `timestamp` column.
 */
export function episodeLanguage(a: EpisodeAnnotations, length: number, fps: number): EpisodeLanguage {
  const { start, end } = keptRange(a, length);
  const persistent: LanguagePersistentRow[] = [];
  for (const s of [...a.spans].sort((x, y) => x.startFrame - y.startFrame)) {
    if (s.endFrame <= start || s.startFrame >= end || !s.text.trim()) continue;
    const first = Math.max(s.startFrame, start) - start;
    persistent.push({
      role: "assistant",
      content: s.text.trim(),
      style: "subtask",
      timestamp: Math.fround(first / fps),
      camera: null,
      tool_calls: null,
    });
  }
  const events = new Map<number, LanguageEventRow[]>();
  for (const e of a.events) {
    if (e.kind === "note" || e.frame < start || e.frame >= end || !e.text.trim()) continue;
    const f = e.frame - start;
    const list = events.get(f) ?? [];
    list.push({ role: "user", content: e.text.trim(), style: "interjection", camera: null, tool_calls: null });
    events.set(f, list);
  }
  return { persistent, events };
}
