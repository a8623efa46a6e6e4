/** Test support: annotations put on a fixture source's episodes (spans, events, tags, outcome, QA flags). */
import type { EpisodeAnnotations, QaFlag } from "../../core/dataset.ts";
import type { MemoryExportSource } from "../source.ts";

export interface EpisodeNotes {
  spans?: [number, number, string][];
  events?: [number, "correction" | "interjection" | "note", string][];
  tags?: string[];
  success?: boolean | null;
  qa?: QaFlag[];
}

/** Sets the annotations of episode i from notes[i] (keeping its trim); returns the source. */
export function annotate(source: MemoryExportSource, notes: EpisodeNotes[]): MemoryExportSource {
  notes.forEach((n, i) => {
    const ep = source.episodes[i]!;
    const a: EpisodeAnnotations = {
      ...ep.annotations,
      spans: (n.spans ?? []).map(([startFrame, endFrame, text], k) => ({ id: `s${i}.${k}`, startFrame, endFrame, text })),
      events: (n.events ?? []).map(([frame, kind, text], k) => ({ id: `e${i}.${k}`, frame, kind, text })),
      tags: n.tags ?? [],
      success: n.success ?? null,
    };
    source.episodes[i] = { ...ep, annotations: a, qa: n.qa ?? ep.qa };
  });
  return source;
}

/** The annotations the export and import tests share: ep1 is trimmed to rows [2, 28). */
export const NOTES: EpisodeNotes[] = [
  {
    spans: [
      [0, 12, "reach the cube"],
      [12, 25, "grasp it"],
      [30, 40, "lift"],
    ],
    events: [
      [7, "correction", "a bit more to the left"],
      [7, "interjection", "slower"],
      [20, "note", "lighting flickers"],
    ],
    tags: ["good", "left side"],
    success: true,
  },
  {
    spans: [[5, 26, "place it"]],
    events: [
      [1, "interjection", "before the trim"],
      [27, "correction", "last kept row"],
    ],
    success: false,
  },
  { tags: ["night"], success: true, qa: [{ kind: "dropped_frames", subject: "front", message: "3 frames dropped" }] },
];
