import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { emptyAnnotations } from "./dataset.ts";
import {
  addEvent,
  addSpan,
  addTag,
  commit,
  createHistory,
  episodeLanguage,
  keptRange,
  redo,
  rememberTask,
  removeSpan,
  setDeleted,
  setTask,
  setTrim,
  snapToKeyframe,
  suggestTasks,
  undo,
  updateSpan,
  type AnnotationDoc,
} from "./annotations.ts";

const doc0: AnnotationDoc = { task: "", annotations: emptyAnnotations() };

describe("annotation edits", () => {
  it("adds spans sorted and clamped, ignores empty ones, updates and removes them", () => {
    let d = addSpan(doc0, { id: "b", startFrame: 40, endFrame: 90, text: "place it" }, 60);
    d = addSpan(d, { id: "a", startFrame: 20, endFrame: 5, text: "grasp" }, 60);
    d = addSpan(d, { id: "z", startFrame: 7, endFrame: 7, text: "nothing" }, 60);
    expect(d.annotations.spans).toEqual([
      { id: "a", startFrame: 5, endFrame: 20, text: "grasp" },
      { id: "b", startFrame: 40, endFrame: 60, text: "place it" },
    ]);
    d = updateSpan(d, "b", { text: "place it in the sink", startFrame: 2 }, 60);
    expect(d.annotations.spans.map((s) => s.id)).toEqual(["b", "a"]);
    expect(d.annotations.spans[0]).toEqual({ id: "b", startFrame: 2, endFrame: 60, text: "place it in the sink" });
    expect(removeSpan(d, "b").annotations.spans.map((s) => s.id)).toEqual(["a"]);
  });

  it("places events inside the episode and keeps tags unique", () => {
    const d = addEvent(doc0, { id: "e", frame: 99, kind: "correction", text: "too far left" }, 60);
    expect(d.annotations.events[0]!.frame).toBe(59);
    expect(addTag(addTag(d, " failed grasp "), "failed grasp").annotations.tags).toEqual(["failed grasp"]);
  });

  it("snaps the trim start down to a keyframe and stores a trim to the end as null", () => {
    const keys = [0, 2, 4, 6, 8];
    expect(snapToKeyframe(5, keys)).toBe(4);
    expect(snapToKeyframe(0, keys)).toBe(0);
    const d = setTrim(doc0, 7, 10, 10, keys);
    expect(d.annotations.trimStart).toBe(6);
    expect(d.annotations.trimEnd).toBeNull();
    const e = setTrim(doc0, 3, 5, 10, keys);
    expect([e.annotations.trimStart, e.annotations.trimEnd]).toEqual([2, 5]);
    expect(keptRange(e.annotations, 10)).toEqual({ start: 2, end: 5 });
    // At least one row is kept.
    expect(setTrim(doc0, 8, 2, 10, keys).annotations).toMatchObject({ trimStart: 8, trimEnd: 9 });
  });

  it("marks and clears the soft-delete flag without leaving a false field behind", () => {
    const d = setDeleted(doc0, true);
    expect(d.annotations.deleted).toBe(true);
    expect("deleted" in setDeleted(d, false).annotations).toBe(false);
  });
});

describe("history", () => {
  it("undoes and redoes, and a new edit drops the redo branch", () => {
    let h = createHistory(doc0);
    h = commit(h, setTask(h.present, "pick"));
    h = commit(h, addTag(h.present, "x"));
    h = commit(h, addTag(h.present, "x")); // no change: no step
    expect(h.past.length).toBe(2);
    h = undo(h);
    expect(h.present.annotations.tags).toEqual([]);
    h = redo(h);
    expect(h.present.annotations.tags).toEqual(["x"]);
    h = undo(undo(h));
    expect(h.present).toEqual(doc0);
    expect(undo(h)).toBe(h);
    h = commit(h, setTask(h.present, "other"));
    expect(h.future).toEqual([]);
    expect(redo(h)).toBe(h);
  });

  it("property: n undos after n effective edits return the start, n redos the end", () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.constantFrom("task", "tag", "success"), fc.string({ maxLength: 4 })), { maxLength: 30 }), (ops) => {
        let h = createHistory(doc0);
        for (const [op, v] of ops) {
          const p = h.present;
          h = commit(
            h,
            op === "task"
              ? setTask(p, v)
              : op === "tag"
                ? addTag(p, v)
                : { task: p.task, annotations: { ...p.annotations, success: v.length % 2 === 0 } },
          );
        }
        const end = h.present;
        const n = h.past.length;
        for (let i = 0; i < n; i++) h = undo(h);
        expect(h.present).toEqual(doc0);
        for (let i = 0; i < n; i++) h = redo(h);
        expect(h.present).toEqual(end);
      }),
    );
  });
});

describe("task library", () => {
  it("remembers most recent first and suggests prefix matches before word matches", () => {
    let lib = rememberTask([], "pick the red cube");
    lib = rememberTask(lib, "place the cup in the sink");
    lib = rememberTask(lib, "pick the red cube");
    expect(lib).toEqual(["pick the red cube", "place the cup in the sink"]);
    lib = rememberTask(lib, "grasp the cup");
    expect(suggestTasks(lib, "cup")).toEqual(["grasp the cup", "place the cup in the sink"]);
    expect(suggestTasks(lib, "p")[0]).toBe("pick the red cube");
    expect(suggestTasks(lib, "Place The")).toEqual(["place the cup in the sink"]);
    expect(suggestTasks(lib, "grasp the cup")).toEqual([]);
  });
});

describe("LeRobot language columns", () => {
  it("turns spans into persistent subtask rows and corrections into events, re-based on the trim", () => {
    const a = {
      ...emptyAnnotations(),
      trimStart: 10,
      trimEnd: 100,
      spans: [
        { id: "2", startFrame: 50, endFrame: 90, text: " place it in the sink " },
        { id: "1", startFrame: 0, endFrame: 40, text: "grasp the cup" },
        { id: "3", startFrame: 100, endFrame: 120, text: "after the trim" },
      ],
      events: [
        { id: "e", frame: 70, kind: "correction" as const, text: "further left" },
        { id: "n", frame: 71, kind: "note" as const, text: "annotator's note" },
        { id: "x", frame: 5, kind: "interjection" as const, text: "trimmed away" },
      ],
    };
    const lang = episodeLanguage(a, 120, 30);
    expect(lang.persistent).toEqual([
      { role: "assistant", content: "grasp the cup", style: "subtask", timestamp: 0, camera: null, tool_calls: null },
      {
        role: "assistant",
        content: "place it in the sink",
        style: "subtask",
        timestamp: Math.fround(40 / 30),
        camera: null,
        tool_calls: null,
      },
    ]);
    expect([...lang.events.entries()]).toEqual([
      [60, [{ role: "user", content: "further left", style: "interjection", camera: null, tool_calls: null }]],
    ]);
  });
});
