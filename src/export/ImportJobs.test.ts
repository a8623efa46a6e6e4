import { beforeAll, describe, expect, it } from "vitest";
import { MemoryEpisodeStore } from "../storage/index.ts";
import { MemoryLocks } from "../storage/originLocks.ts";
import { MemoryFiles } from "./import/files.ts";
import { ImportBusyError, importedName, ImportJobs, type ImportJobView } from "./ImportJobs.ts";
import { MemorySink, ZipSink } from "./sinks.ts";
import { exportSourceFromStore } from "./storageAdapters.ts";
import { buildSource, demuxMp4, ffmpegAv1, type DemuxedVideo } from "./testing/av1Fixture.ts";
import { makeTable, readParquet, utf8Col, writeParquet } from "./parquet.ts";
import { annotate, NOTES } from "./testing/annotate.ts";
import { exportV3 } from "./v3.ts";

let dataset: Map<string, Uint8Array>;
beforeAll(async () => {
  const videos = { front: await demuxMp4(ffmpegAv1(20)) } satisfies Record<string, DemuxedVideo>;
  const sink = new MemorySink();
  await exportV3(buildSource(videos, { lengths: [20, 10, 14] }), sink);
  dataset = sink.files;
}, 60_000);

function views(jobs: ImportJobs): ImportJobView[] {
  const seen: ImportJobView[] = [];
  jobs.subscribe(({ job }) => job && seen.push(job));
  return seen;
}

async function reexport(store: MemoryEpisodeStore, datasetId: string): Promise<Map<string, Uint8Array>> {
  const sink = new MemorySink();
  await exportV3(await exportSourceFromStore(store, datasetId), sink);
  return sink.files;
}

describe("ImportJobs", () => {
  it("an import cut off mid-way (the page died) is marked 'importing', hidden, and removed by the next page — never while another tab imports", async () => {
    const store = new MemoryEpisodeStore();
    const locks = new MemoryLocks();
    // The page "dies" while storing the second episode: that call never returns.
    let episodes = 0;
    const createEpisode = store.createEpisode.bind(store);
    store.createEpisode = (init) => (++episodes === 2 ? new Promise(() => undefined) : createEpisode(init));
    void new ImportJobs(store, locks).start({ kind: "files", files: new MemoryFiles(dataset) });
    await expect.poll(() => episodes).toBe(2);
    const [stuck] = (await store.listDatasets()).datasets;
    expect(stuck!.importing).toBe(true);
    // Another tab while the import still runs (its lock is held): nothing is removed.
    expect(await new ImportJobs(store, locks).removeIncomplete()).toEqual([]);
    expect((await store.listDatasets()).datasets).toHaveLength(1);
    // The next page (the dead page's locks are gone): the cut-off dataset and its episode are removed.
    expect(await new ImportJobs(store, new MemoryLocks()).removeIncomplete()).toEqual([stuck!.name]);
    expect((await store.listDatasets()).datasets).toEqual([]);
    expect((await store.listEpisodes(stuck!.id)).episodes).toEqual([]);
    // A complete import is not marked and stays.
    store.createEpisode = createEpisode;
    const done = await new ImportJobs(store, new MemoryLocks()).start({ kind: "files", files: new MemoryFiles(dataset) }).finished;
    expect(done.state).toBe("done");
    expect((await store.getDataset(done.datasetId!))!.importing).toBeUndefined();
    expect(await new ImportJobs(store, new MemoryLocks()).removeIncomplete()).toEqual([]);
    expect((await store.listDatasets()).datasets).toHaveLength(1);
  });

  it("is running synchronously at start, counts episodes, and ends done with the dataset stored", async () => {
    const store = new MemoryEpisodeStore();
    const jobs = new ImportJobs(store);
    const seen = views(jobs);
    const run = jobs.start({ kind: "files", files: new MemoryFiles(dataset) });
    expect(jobs.snapshot.job).toMatchObject({ state: "running", message: "Reading the dataset…", done: 0, total: 0 });
    const end = await run.finished;
    expect(end).toMatchObject({
      state: "done",
      message: 'Imported "Pick the cube" (LeRobot v3.0): 3 episodes, 44 frames.',
      done: 3,
      total: 3,
    });
    expect(jobs.snapshot.job).toEqual(end);
    expect(seen.filter((v) => v.message === "Importing…").map((v) => v.done)).toEqual([1, 2, 3]);
    const out = await reexport(store, end.datasetId!);
    for (const [path, bytes] of dataset) expect(Buffer.compare(out.get(path)!, bytes), path).toBe(0);
  });

  it("annotations survive the store (export → import → export identical); entries left out are counted in the message", async () => {
    const videos = { front: await demuxMp4(ffmpegAv1(20)) } satisfies Record<string, DemuxedVideo>;
    const sink = new MemorySink();
    await exportV3(
      annotate(
        buildSource(videos, { lengths: [20, 10, 14] }),
        NOTES.map((n) => ({ ...n, qa: [] })),
      ),
      sink,
    );
    const store = new MemoryEpisodeStore();
    const end = await new ImportJobs(store).start({ kind: "files", files: new MemoryFiles(sink.files) }).finished;
    expect(end.message).toBe('Imported "Pick the cube" (LeRobot v3.0): 3 episodes, 44 frames.');
    const out = await reexport(store, end.datasetId!);
    expect([...out.keys()].sort()).toEqual([...sink.files.keys()].sort());
    for (const [path, bytes] of sink.files) expect(Buffer.compare(out.get(path)!, bytes), path).toBe(0);

    const path = "meta/episodes/chunk-000/file-000.parquet";
    const t = await readParquet(sink.files.get(path)!);
    const cols = t.schema.fields.map((f) => ({
      name: f.name,
      data: f.name === "outcome" ? utf8Col(["maybe", "perhaps", "failure"]) : t.getChild(f.name)!.data[0]!,
    }));
    const bad = new Map(sink.files).set(path, await writeParquet(makeTable(cols)));
    const end2 = await new ImportJobs(new MemoryEpisodeStore()).start({ kind: "files", files: new MemoryFiles(bad) }).finished;
    expect(end2.state).toBe("done");
    expect(end2.message).toBe(
      `Imported "Pick the cube" (LeRobot v3.0): 3 episodes, 44 frames. 2 annotation entries were left out: Episode 0: ${path} outcome "maybe" is not success, failure or unknown; the outcome was left unknown. (and 1 more)`,
    );
  });

  it("imports a zip", async () => {
    const zip = new ZipSink();
    const archive = new Response(zip.stream).blob();
    for (const [path, bytes] of dataset) await zip.writeFile(path, bytes);
    zip.close();
    const store = new MemoryEpisodeStore();
    const end = await new ImportJobs(store).start({ kind: "zip", file: await archive, name: "pick.zip" }).finished;
    expect(end).toMatchObject({ state: "done", done: 3 });
    expect((await store.listEpisodes(end.datasetId!)).episodes).toHaveLength(3);
    // Named after the dataset (its file), not after one of its tasks.
    expect((await store.getDataset(end.datasetId!))?.name).toBe("pick");
  });

  it("names an imported dataset after its zip or folder", () => {
    const file = new Blob([]);
    expect(importedName({ kind: "zip", file, name: "pick_cube_v30.zip" })).toBe("pick_cube");
    expect(importedName({ kind: "zip", file, name: "lerobot-svla.ZIP" })).toBe("lerobot-svla");
    expect(importedName({ kind: "folder", dir: { kind: "directory", name: "koch_test", entries: async function* () {} } })).toBe(
      "koch_test",
    );
    expect(importedName({ kind: "zip", file, name: ".zip" })).toBeUndefined();
  });

  it("a second start with the same input returns the same run; another import is refused", async () => {
    const store = new MemoryEpisodeStore();
    const jobs = new ImportJobs(store);
    const input = { kind: "files", files: new MemoryFiles(dataset) } as const;
    let fromListener: unknown;
    const stop = jobs.subscribe(({ job }) => {
      if (job?.state === "running") fromListener ??= jobs.start(input); // a re-render asking again
    });
    const run = jobs.start(input);
    stop();
    expect(fromListener).toBe(run);
    expect(jobs.start(input)).toBe(run);
    expect(() => jobs.start({ kind: "files", files: new MemoryFiles(dataset) })).toThrow(ImportBusyError);
    expect((await run.finished).state).toBe("done");
    expect((await store.listDatasets()).datasets).toHaveLength(1);
  });

  it("cancel right after start, while the metadata is read: cancelled, nothing stored", async () => {
    const store = new MemoryEpisodeStore();
    const jobs = new ImportJobs(store);
    const run = jobs.start({ kind: "files", files: new MemoryFiles(dataset) });
    await jobs.cancel();
    expect(await run.finished).toMatchObject({ state: "cancelled", message: "Import cancelled; nothing was stored." });
    expect((await store.listDatasets()).datasets).toEqual([]);
  });

  it("cancel after the first episode: cancelled, and the partial dataset is deleted", async () => {
    const store = new MemoryEpisodeStore();
    const jobs = new ImportJobs(store);
    let cancelled: Promise<void> | undefined;
    jobs.subscribe(({ job }) => {
      if (job?.done === 1) cancelled ??= jobs.cancel();
    });
    const run = jobs.start({ kind: "files", files: new MemoryFiles(dataset) });
    expect((await run.finished).state).toBe("cancelled");
    await cancelled;
    expect((await store.listDatasets()).datasets).toEqual([]);
  });

  it("a broken dataset fails with the file named, and the store is left as it was", async () => {
    const store = new MemoryEpisodeStore();
    const broken = new Map(dataset);
    broken.delete("meta/tasks.parquet");
    const end = await new ImportJobs(store).start({ kind: "files", files: new MemoryFiles(broken) }).finished;
    expect(end).toMatchObject({ state: "failed", message: expect.stringContaining("meta/tasks.parquet") as unknown, datasetId: undefined });
    expect((await store.listDatasets()).datasets).toEqual([]);
  });
});
