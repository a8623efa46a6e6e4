/**
 * lerobot's language columns of one imported episode (ours, or written by `lerobot-annotate`)
 * as annotator spans and events. `language_persistent` is read from the episode's first row
 * (lerobot writes the same list on every row): each `subtask` entry starts a span on the row
 * whose timestamp equals its own (exactly, as lerobot matches them) and lasts until the next
 * subtask starts, the last one to the end of the episode. `language_events` entries of style
 * `interjection` become interjection events on their row. Entries the studio cannot represent
 * (other styles, speech tool calls) or that are malformed (unknown style, missing role or
 * content, a timestamp matching no row) are left out with a warning naming the episode, column,
 * entry and field; the rest of the dataset still imports.
 */
import type * as arrow from "apache-arrow";
import type { PointEvent, SubtaskSpan } from "../../core/dataset.ts";

const PERSISTENT_STYLES = ["subtask", "plan", "memory", "motion", "task_aug"];
const EVENT_STYLES = ["interjection", "vqa", "trace"];

export interface EpisodeLanguageRead {
  spans: SubtaskSpan[];
  events: PointEvent[];
  warnings: string[];
}

type Entry = Record<string, unknown>;

/** The entries of one list cell, as plain objects; null when the cell is not a list of structs. */
function entries(cell: unknown): Entry[] | null {
  if (cell === null || cell === undefined) return [];
  if (typeof cell !== "object" || !(Symbol.iterator in cell)) return null;
  const out: Entry[] = [];
  for (const e of cell as Iterable<unknown>) {
    if (e === null || typeof e !== "object") return null;
    const j = (e as { toJSON?: () => unknown }).toJSON?.() ?? e;
    out.push(j as Entry);
  }
  return out;
}

const text = (v: unknown): string | null => (typeof v === "string" ? v : null);

/**
 * `timestamps` are the episode's row timestamps as read (float32 values); `length` its rows;
 * `idPrefix` makes span and event ids (`<prefix>-s<k>`, `<prefix>-e<k>`).
 */
export function readEpisodeLanguage(
  table: arrow.Table,
  timestamps: readonly number[],
  episode: number,
  idPrefix: string,
): EpisodeLanguageRead {
  const warnings: string[] = [];
  const spans: SubtaskSpan[] = [];
  const events: PointEvent[] = [];
  const skip = (message: string) => void warnings.push(message);
  const length = table.numRows;
  const persistent = table.getChild("language_persistent");
  if (persistent && length > 0) {
    const list = entries(persistent.get(0));
    if (!list)
      warnings.push(`Episode ${episode}: language_persistent is not a list of entries (${String(persistent.type)}); it was left out.`);
    const starts: { frame: number; text: string }[] = [];
    for (const [k, e] of (list ?? []).entries()) {
      const where = `Episode ${episode}: language_persistent entry ${k}`;
      const style = e["style"];
      if (text(e["role"]) === null) {
        skip(`${where} has no role (a required field); it was left out.`);
        continue;
      }
      if (typeof style !== "string" || !PERSISTENT_STYLES.includes(style)) {
        skip(`${where} has unknown style ${JSON.stringify(style ?? null)}; it was left out.`);
        continue;
      }
      if (style !== "subtask") {
        skip(`${where} has style "${style}", which the annotator does not show; it was left out.`);
        continue;
      }
      const ts = e["timestamp"];
      if (typeof ts !== "number") {
        skip(`${where} has no timestamp (a required field); it was left out.`);
        continue;
      }
      const content = text(e["content"]);
      if (content === null || content.trim() === "") {
        skip(`${where} is a subtask without content; it was left out.`);
        continue;
      }
      const frame = timestamps.indexOf(ts);
      if (frame < 0) {
        skip(`${where}: its timestamp ${ts} matches no row of the episode; it was left out.`);
        continue;
      }
      if (starts.some((s) => s.frame === frame)) {
        skip(`${where} starts on row ${frame} like an earlier subtask; the earlier one was kept.`);
        continue;
      }
      starts.push({ frame, text: content });
    }
    starts.sort((a, b) => a.frame - b.frame);
    starts.forEach((s, k) =>
      spans.push({ id: `${idPrefix}-s${k}`, startFrame: s.frame, endFrame: starts[k + 1]?.frame ?? length, text: s.text }),
    );
  }
  const ev = table.getChild("language_events");
  if (ev) {
    for (let row = 0; row < length; row++) {
      const list = entries(ev.get(row));
      if (!list) {
        warnings.push(`Episode ${episode}: language_events row ${row} is not a list of entries (${String(ev.type)}); it was left out.`);
        continue;
      }
      for (const [k, e] of list.entries()) {
        const where = `Episode ${episode}: language_events row ${row} entry ${k}`;
        const style = e["style"] ?? null;
        if (text(e["role"]) === null) {
          skip(`${where} has no role (a required field); it was left out.`);
          continue;
        }
        if (style === null) {
          skip(`${where} is a tool call (speech), which the annotator does not show; it was left out.`);
          continue;
        }
        if (typeof style !== "string" || !EVENT_STYLES.includes(style)) {
          skip(`${where} has unknown style ${JSON.stringify(style)}; it was left out.`);
          continue;
        }
        if (style !== "interjection") {
          skip(`${where} has style "${style}", which the annotator does not show; it was left out.`);
          continue;
        }
        const content = text(e["content"]);
        if (content === null || content.trim() === "") {
          skip(`${where} is an interjection without content; it was left out.`);
          continue;
        }
        events.push({ id: `${idPrefix}-e${events.length}`, frame: row, kind: "interjection", text: content });
      }
    }
  }
  return { spans, events, warnings };
}
