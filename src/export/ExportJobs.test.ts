import { beforeAll, describe, expect, it } from "vitest";
import { MemoryEpisodeStore } from "../storage/index.ts";
import { ExportBusyError, ExportJobs, type ExportJobView } from "./ExportJobs.ts";
import { ZipFiles } from "./import/files.ts";
import type { DatasetSink } from "./layout.ts";
import { MemorySink } from "./sinks.ts";
import { buildSource, demuxMp4, ffmpegAv1, type DemuxedVideo } from "./testing/av1Fixture.ts";
import { MemoryDirectoryHandle } from "./testing/handles.ts";
import { storeWith } from "./testing/storeFixture.ts";
import { exportV3 } from "./v3.ts";

let videos: Record<string, DemuxedVideo>;
beforeAll(async () => {
  videos = { front: await demuxMp4(ffmpegAv1(20)) };
}, 60_000);

const twoEpisodes = () => storeWith(buildSource(videos, { lengths: [20, 10] }));

/** The files a direct export of the stored dataset writes. */
async function expected(): Promise<Map<string, Uint8Array>> {
  const sink = new MemorySink();
  await exportV3(buildSource(videos, { lengths: [20, 10] }), sink);
  return sink.files;
}

function states(jobs: ExportJobs): ExportJobView["state"][] {
  const seen: ExportJobView["state"][] = [];
  jobs.subscribe(({ job }) => {
    if (job && seen.at(-1) !== job.state) seen.push(job.state);
  });
  return seen;
}

describe("ExportJobs", () => {
  it("is running synchronously at start, reports progress, and ends done with the same files as a direct export", async () => {
    const { store, datasetId } = await twoEpisodes();
    const jobs = new ExportJobs(store);
    const seen = states(jobs);
    const sink = new MemorySink();
    const progress: number[] = [];
    jobs.subscribe(({ job }) => job?.progress && progress.push(job.progress.done));
    const run = jobs.start({ datasetId, version: "v3.0", to: { kind: "sink", sink } });
    expect(jobs.snapshot.job).toMatchObject({ datasetId, target: "sink", version: "v3.0", state: "running", message: undefined });
    const end = await run.finished;
    expect(end).toMatchObject({ state: "done", message: "Exported 2 episodes, 30 frames (v3.0)." });
    expect(jobs.snapshot.job).toEqual(end);
    expect(seen).toEqual(["running", "done"]);
    expect(progress.length).toBeGreaterThan(0);
    expect(progress.at(-1)).toBe(end.progress!.total);
    const want = await expected();
    expect([...sink.files.keys()].sort()).toEqual([...want.keys()].sort());
    for (const [path, bytes] of want) expect(Buffer.compare(sink.files.get(path)!, bytes), path).toBe(0);
  });

  it("names every episode it leaves out and why (still recording, deleted in the browser)", async () => {
    const { store, datasetId } = await twoEpisodes();
    const { episodes } = await store.listEpisodes(datasetId);
    await store.updateEpisode(episodes[1]!.id, { annotations: { ...episodes[1]!.annotations, deleted: true } });
    await store.createEpisode({ datasetId, task: "t", startedAtEpochMs: 0, t0Ms: 0 });
    const end = await new ExportJobs(store).start({ datasetId, version: "v3.0", to: { kind: "sink", sink: new MemorySink() } }).finished;
    expect(end.state).toBe("done");
    expect(end.message).toBe(
      "Exported 1 episodes, 20 frames (v3.0). Left out: episode 1 (deleted in the episode browser); " +
        "episode 2 (still being recorded, or cut short and not finished yet: it is finished at the next start of the studio).",
    );
  });

  it("a second start of the same export returns the same run; any other export is refused and the first one goes on", async () => {
    const { store, datasetId } = await twoEpisodes();
    const other = await storeWith(buildSource(videos, { lengths: [10] }), store, "other-");
    const jobs = new ExportJobs(store);
    const sink = new MemorySink();
    let fromListener: unknown;
    const stop = jobs.subscribe(({ job }) => {
      if (job?.state === "running") fromListener ??= jobs.start({ datasetId, version: "v3.0", to: { kind: "sink", sink } });
    });
    const run = jobs.start({ datasetId, version: "v3.0", to: { kind: "sink", sink } });
    stop();
    expect(fromListener).toBe(run);
    expect(jobs.start({ datasetId, version: "v3.0", to: { kind: "sink", sink } })).toBe(run);
    expect(() => jobs.start({ datasetId: other.datasetId, version: "v3.0", to: { kind: "zip" } })).toThrow(ExportBusyError);
    expect(() => jobs.start({ datasetId, version: "v2.1", to: { kind: "sink", sink } })).toThrow(
      /still running\. Wait for it to finish or cancel it/,
    );
    expect((await run.finished).state).toBe("done");
    // Once it ended, the next export starts.
    const next = jobs.start({ datasetId: other.datasetId, version: "v2.1", to: { kind: "sink", sink: new MemorySink() } });
    expect(next).not.toBe(run);
    expect(await next.finished).toMatchObject({ datasetId: other.datasetId, version: "v2.1", state: "done" });
  });

  it("cancel while the dataset is still being read: cancelled, nothing written", async () => {
    const { store, datasetId } = await twoEpisodes();
    const jobs = new ExportJobs(store);
    const seen = states(jobs);
    const writes: string[] = [];
    const sink: DatasetSink = { writeFile: (path) => (writes.push(path), Promise.resolve()) };
    const run = jobs.start({ datasetId, version: "v3.0", to: { kind: "sink", sink } });
    await jobs.cancel();
    expect(jobs.snapshot.job).toMatchObject({ state: "cancelled", message: "Export cancelled." });
    expect(await run.finished).toEqual(jobs.snapshot.job);
    expect(writes).toEqual([]);
    expect(seen).toEqual(["running", "cancelled"]);
  });

  it("cancel in the middle of an export: cancelled, no file written after it", async () => {
    const { store, datasetId } = await twoEpisodes();
    const jobs = new ExportJobs(store);
    const writes: string[] = [];
    let cancelling: Promise<void> | undefined;
    const sink: DatasetSink = {
      writeFile: (path) => {
        writes.push(path);
        cancelling ??= jobs.cancel();
        return Promise.resolve();
      },
    };
    const run = jobs.start({ datasetId, version: "v3.0", to: { kind: "sink", sink } });
    expect((await run.finished).state).toBe("cancelled");
    await cancelling;
    expect(writes).toHaveLength(1);
    expect(writes).not.toContain("meta/info.json");
  });

  it("zip: the archive goes to the first taker only and reads back as the exported files", async () => {
    const { store, datasetId } = await twoEpisodes();
    const jobs = new ExportJobs(store);
    const run = jobs.start({ datasetId, version: "v3.0", to: { kind: "zip" } });
    const again = jobs.start({ datasetId, version: "v3.0", to: { kind: "zip" } });
    expect(again).toBe(run);
    const [stream, second] = await Promise.all([run.takeArchive(), again.takeArchive()]);
    expect(second).toBeUndefined();
    const bytes = await new Response(stream).arrayBuffer();
    expect(await run.finished).toMatchObject({ state: "done", target: "zip" });
    const zip = await ZipFiles.open(new Blob([bytes]));
    const want = await expected();
    expect(zip.paths).toEqual([...want.keys()].sort());
    const data = "data/chunk-000/file-000.parquet";
    expect(Buffer.compare(new Uint8Array(await (await zip.blob(data)).arrayBuffer()), want.get(data)!)).toBe(0);
  });

  it("zip: cancel while nobody reads the archive ends the job at once", async () => {
    const { store, datasetId } = await twoEpisodes();
    const jobs = new ExportJobs(store);
    const run = jobs.start({ datasetId, version: "v3.0", to: { kind: "zip" } });
    const stream = await run.takeArchive();
    expect(stream).toBeDefined();
    await jobs.cancel();
    expect(jobs.snapshot.job?.state).toBe("cancelled");
    await expect(new Response(stream).arrayBuffer()).rejects.toThrow();
  });

  it("zip: a reader that gives up fails the job with a message saying the archive is incomplete", async () => {
    const { store, datasetId } = await twoEpisodes();
    const jobs = new ExportJobs(store);
    const run = jobs.start({ datasetId, version: "v3.0", to: { kind: "zip" } });
    const reader = (await run.takeArchive())!.getReader();
    await reader.read();
    await reader.cancel(new Error("disk full"));
    expect(await run.finished).toMatchObject({ state: "failed", message: expect.stringMatching(/not finished.*\(disk full\)/) as unknown });
  });

  it("folder: exported into the directory; a second run skips what is there", async () => {
    const { store, datasetId } = await twoEpisodes();
    const jobs = new ExportJobs(store);
    const dir = new MemoryDirectoryHandle();
    const first = await jobs.start({ datasetId, version: "v3.0", to: { kind: "folder", dir } }).finished;
    expect(first.message).toMatch(/^Exported 2 episodes to the folder \(\d+ files, 0 already there\)\.$/);
    const again = await jobs.start({ datasetId, version: "v3.0", to: { kind: "folder", dir } }).finished;
    expect(again.message).toMatch(/\((\d+) files, \1 already there\)/);
  });

  it("fails with a message the user can act on: unknown dataset, nothing to export, a failing sink", async () => {
    const store = new MemoryEpisodeStore();
    const jobs = new ExportJobs(store);
    const sink = new MemorySink();
    expect(await jobs.start({ datasetId: "gone", version: "v3.0", to: { kind: "sink", sink } }).finished).toMatchObject({
      state: "failed",
      message: "Dataset gone is not in this browser's storage.",
    });
    const empty = await store.createDataset({
      name: "empty",
      fps: 30,
      robotType: "x",
      jointNames: ["a"],
      units: "degrees",
      cameras: [],
      tasks: [],
    });
    expect(await jobs.start({ datasetId: empty.id, version: "v3.0", to: { kind: "sink", sink } }).finished).toMatchObject({
      state: "failed",
      message: '"empty" has no recorded episodes to export yet.',
    });
    const { datasetId } = await storeWith(buildSource(videos, { lengths: [10] }), store, "third-");
    const dir = new MemoryDirectoryHandle();
    dir.failOn = "meta/info.json";
    const failed = await jobs.start({ datasetId, version: "v3.0", to: { kind: "folder", dir } }).finished;
    expect(failed).toMatchObject({
      state: "failed",
      message: expect.stringMatching(/^Could not write meta\/info.json into the chosen folder: disk full/) as unknown,
    });
    expect(sink.files.size).toBe(0);
  });
});
