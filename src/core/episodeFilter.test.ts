import { describe, expect, it } from "vitest";
import { emptyAnnotations, type EpisodeRecord } from "./dataset.ts";
import { allTags, DEFAULT_FILTER, filterEpisodes, isDeleted } from "./episodeFilter.ts";

const meta = (over: Partial<EpisodeRecord> & { index: number }): EpisodeRecord => ({
  id: `e${over.index}`,
  datasetId: "d",
  status: "complete",
  task: "",
  length: 30,
  fps: 30,
  startedAtEpochMs: 0,
  t0Ms: 0,
  tracks: [],
  sync: null,
  qa: [],
  annotations: emptyAnnotations(),
  imageStats: {},
  mediaBytes: 0,
  ...over,
});

describe("filterEpisodes", () => {
  const list = [
    meta({ index: 0, task: "pick the cube", length: 90, annotations: { ...emptyAnnotations(), tags: ["good"] } }),
    meta({ index: 1, task: "place the cup", annotations: { ...emptyAnnotations(), tags: ["bad"], success: false } }),
    meta({ index: 2, task: "pick the cup", status: "interrupted", qa: [{ kind: "frozen_camera", message: "frozen" }] }),
    meta({ index: 3, task: "gone", annotations: { ...emptyAnnotations(), deleted: true, tags: ["bad"] } }),
    meta({ index: 4, task: "discarded", status: "discarded" }),
  ];
  it("filters by words, tag, status, outcome and flags; deleted ones only when asked", () => {
    const ids = (f: Partial<typeof DEFAULT_FILTER>) => filterEpisodes(list, { ...DEFAULT_FILTER, ...f }, "index").map((e) => e.index);
    expect(ids({})).toEqual([0, 1, 2]);
    expect(ids({ text: "cup pick" })).toEqual([2]);
    expect(ids({ tag: "bad" })).toEqual([1]);
    expect(ids({ status: "interrupted" })).toEqual([2]);
    expect(ids({ status: "failure" })).toEqual([1]);
    expect(ids({ status: "unrated" })).toEqual([0, 2]);
    expect(ids({ flaggedOnly: true })).toEqual([2]);
    expect(ids({ deleted: true })).toEqual([3]);
  });
  it("sorts by duration and task, ties by number", () => {
    expect(filterEpisodes(list, DEFAULT_FILTER, "-duration").map((e) => e.index)).toEqual([0, 1, 2]);
    expect(filterEpisodes(list, DEFAULT_FILTER, "task").map((e) => e.index)).toEqual([0, 2, 1]);
    expect(filterEpisodes(list, DEFAULT_FILTER, "-index").map((e) => e.index)).toEqual([2, 1, 0]);
  });
  it("lists every tag once, sorted, and knows a soft-deleted episode", () => {
    expect(allTags(list)).toEqual(["bad", "good"]);
    expect(list.map(isDeleted)).toEqual([false, false, false, true, false]);
  });
});
