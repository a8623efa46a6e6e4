import "fake-indexeddb/auto";
import { openDB } from "idb";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { MediaBatch, RowBatch } from "../core/dataset.ts";
import { collect, DATASET, framesOf, mediaBatch, rowBatch, rowsOf } from "./episodeStore.fixtures.ts";
import { DATASET_SCHEMA_VERSION, EPISODE_SCHEMA_VERSION, StorageError, type EpisodeStore, type NewDataset } from "./EpisodeStore.ts";
import { IdbEpisodeStore } from "./IdbEpisodeStore.ts";
import { MemoryEpisodeStore } from "./MemoryEpisodeStore.ts";

/**
 * One contract suite, two stores: IndexedDB (fake-indexeddb, a fresh database per test) and the
 * in-memory fake. `putRaw` writes a dataset or episode record bypassing validation.
 */
type RawRecord = { id: string } & Record<string, unknown>;

interface Harness {
  store: EpisodeStore;
  putRaw(store: "datasets" | "episodes", record: RawRecord): Promise<void>;
  /** The same storage as another tab sees it (IndexedDB: a second connection). */
  secondTab(): Promise<EpisodeStore>;
  close(): void;
}

let dbCounter = 0;
const freshName = () => `episode-store-test-${++dbCounter}`;

let clock = 1_760_000_000_000;
let idCounter = 0;
const options = () => ({ now: () => ++clock, newId: () => `id-${String(++idCounter).padStart(4, "0")}` });

const IMPLEMENTATIONS: Record<string, () => Promise<Harness>> = {
  IdbEpisodeStore: async () => {
    const name = freshName();
    const store = await IdbEpisodeStore.open(name, options());
    return {
      store,
      putRaw: async (s, r) => {
        const db = await openDB(name);
        await db.put(s, r);
        db.close();
      },
      secondTab: () => IdbEpisodeStore.open(name, options()),
      close: () => store.close(),
    };
  },
  MemoryEpisodeStore: async () => {
    const store = new MemoryEpisodeStore(options());
    return { store, putRaw: async (s, r) => store.putRaw(s, r), secondTab: () => Promise.resolve(store), close: () => store.close() };
  },
};

const start = (datasetId: string, task = "pick the cube") => ({ datasetId, task, startedAtEpochMs: 1_760_000_000_000, t0Ms: 1234.5 });

for (const [implName, makeHarness] of Object.entries(IMPLEMENTATIONS)) {
  describe(`EpisodeStore contract: ${implName}`, () => {
    let h: Harness;
    let s: EpisodeStore;
    beforeEach(async () => {
      h = await makeHarness();
      s = h.store;
    });
    afterEach(() => h.close());

    /** An episode with `n` complete rows in batches of 30 (rows and both cameras). */
    async function recordEpisode(datasetId: string, n: number, task?: string) {
      const episode = await s.createEpisode(start(datasetId, task));
      for (let seq = 0, row = 0; row < n; seq++, row += 30) {
        const count = Math.min(30, n - row);
        await s.appendRows(rowBatch(episode.id, seq, row, count));
        await s.appendMedia(mediaBatch(episode.id, "front", seq, row, count));
        await s.appendMedia(mediaBatch(episode.id, "wrist", seq, row, count));
      }
      return episode;
    }

    describe("datasets", () => {
      it("creates, gets, lists (by creation time), updates the task library and deletes", async () => {
        expect(await s.listDatasets()).toStrictEqual({ datasets: [], skipped: [] });
        expect(await s.getDataset("absent")).toBeUndefined();
        const a = await s.createDataset(DATASET);
        const b = await s.createDataset({ ...DATASET, id: "aaa-first-by-id", name: "second" });
        expect(a).toMatchObject({ ...DATASET, id: expect.any(String) as unknown });
        expect(a.createdAtEpochMs).toBe(a.updatedAtEpochMs);
        expect(await s.getDataset(a.id)).toStrictEqual(a);
        expect((await s.listDatasets()).datasets.map((d) => d.name)).toStrictEqual(["pick and place", "second"]);

        const updated = await s.updateDataset(a.id, { tasks: ["stack the cubes", "pick the cube"], name: "renamed" });
        expect(updated).toStrictEqual({
          ...a,
          tasks: ["stack the cubes", "pick the cube"],
          name: "renamed",
          updatedAtEpochMs: updated.updatedAtEpochMs,
        });
        expect(updated.updatedAtEpochMs).toBeGreaterThan(a.updatedAtEpochMs);
        expect(await s.getDataset(a.id)).toStrictEqual(updated);

        await s.deleteDataset(a.id);
        await s.deleteDataset("absent");
        expect(await s.getDataset(a.id)).toBeUndefined();
        expect((await s.listDatasets()).datasets).toStrictEqual([b]);
      });

      it.each<[string, Partial<NewDataset>, RegExp]>([
        ["an empty name", { name: " " }, /name: expected a non-empty string/],
        ["a zero fps", { fps: 0 }, /fps: expected a positive number, got 0/],
        ["a camera key with a dot", { cameras: [{ ...DATASET.cameras[0]!, key: "front.left" }] }, /cameras\[0\]\.key: expected lowercase/],
        ["two cameras with one key", { cameras: [DATASET.cameras[0]!, DATASET.cameras[0]!] }, /"front" appears twice/],
        ["unknown units", { units: "radians" as "degrees" }, /units: expected degrees or range_m100_100/],
      ])("refuses a dataset with %s (StorageError 'invalid', nothing saved)", async (_label, change, why) => {
        const error: unknown = await s.createDataset({ ...DATASET, ...change }).catch((e: unknown) => e);
        expect(error).toBeInstanceOf(StorageError);
        expect(error).toMatchObject({ code: "invalid", message: expect.stringMatching(why) });
        expect(await s.listDatasets()).toStrictEqual({ datasets: [], skipped: [] });
      });

      it("datasetNamed: two tabs asking for the same new name at once get one dataset; an existing name is found, not created", async () => {
        const other = await h.secondTab();
        const [a, b] = await Promise.all([s.datasetNamed(DATASET), other.datasetNamed({ ...DATASET, tasks: ["other"] })]);
        expect([a.created, b.created].sort()).toStrictEqual([false, true]);
        expect(a.dataset.id).toBe(b.dataset.id);
        expect((await s.listDatasets()).datasets).toHaveLength(1);
        const again = await s.datasetNamed({ ...DATASET, fps: 15 });
        expect(again).toStrictEqual({ dataset: await s.getDataset(a.dataset.id), created: false });
        // Older duplicates (stored before names were unique): the oldest is the one.
        await h.putRaw("datasets", { ...(await s.getDataset(a.dataset.id))!, id: "zz-dup", createdAtEpochMs: 1, schemaVersion: 1 });
        expect((await s.datasetNamed(DATASET)).dataset.id).toBe("zz-dup");
        const fresh = await s.datasetNamed({ ...DATASET, name: "another" });
        expect(fresh.created).toBe(true);
        expect(fresh.dataset).toStrictEqual(await s.getDataset(fresh.dataset.id));
      });

      it("refuses a second dataset with the same id and an update of an absent one", async () => {
        await s.createDataset({ ...DATASET, id: "d" });
        await expect(s.createDataset({ ...DATASET, id: "d", name: "other" })).rejects.toMatchObject({
          code: "invalid",
          message: expect.stringMatching(/already exists/),
        });
        await expect(s.updateDataset("absent", { name: "x" })).rejects.toMatchObject({
          code: "invalid",
          message: expect.stringMatching(/does not exist/),
        });
        expect((await s.getDataset("d"))?.name).toBe(DATASET.name);
      });

      it("lets fps, joints and cameras change only while the dataset has no episodes", async () => {
        const d = await s.createDataset(DATASET);
        expect((await s.updateDataset(d.id, { fps: 15 })).fps).toBe(15);
        await s.createEpisode(start(d.id));
        await expect(s.updateDataset(d.id, { fps: 30, name: "x" })).rejects.toMatchObject({
          code: "invalid",
          message: expect.stringMatching(/already has episodes, so its fps cannot change/),
        });
        await expect(s.updateDataset(d.id, { cameras: [] })).rejects.toMatchObject({ code: "invalid" });
        expect(await s.getDataset(d.id)).toMatchObject({ fps: 15, name: DATASET.name });
        // The same values again, or the task library, are fine.
        expect((await s.updateDataset(d.id, { fps: 15, tasks: ["new task"] })).tasks).toStrictEqual(["new task"]);
      });

      it("deleting a dataset deletes its episodes with their rows and media, and nothing of another dataset", async () => {
        const a = await s.createDataset(DATASET);
        const b = await s.createDataset({ ...DATASET, name: "other" });
        const ea = await recordEpisode(a.id, 40);
        const eb = await recordEpisode(b.id, 40);
        await s.deleteDataset(a.id);
        expect(await s.getEpisode(ea.id)).toBeUndefined();
        expect(await s.listEpisodes(a.id)).toStrictEqual({ episodes: [], skipped: [] });
        expect(await collect(s.readRows(ea.id))).toStrictEqual([]);
        expect(await collect(s.readMedia(ea.id, "front"))).toStrictEqual([]);
        expect(rowsOf(await collect(s.readRows(eb.id)))).toHaveLength(40);
        expect(framesOf(await collect(s.readMedia(eb.id, "wrist")))).toHaveLength(40);
      });

      it("skips damaged and newer records in the listing, reports them, and get says damaged", async () => {
        const good = await s.createDataset(DATASET);
        await h.putRaw("datasets", {
          id: "bad-fps",
          ...DATASET,
          fps: "thirty",
          createdAtEpochMs: 1,
          updatedAtEpochMs: 1,
          schemaVersion: DATASET_SCHEMA_VERSION,
        });
        await h.putRaw("datasets", {
          id: "future",
          ...DATASET,
          createdAtEpochMs: 1,
          updatedAtEpochMs: 1,
          schemaVersion: DATASET_SCHEMA_VERSION + 1,
        });
        const listing = await s.listDatasets();
        expect(listing.datasets).toStrictEqual([good]);
        expect(listing.skipped).toStrictEqual([
          { id: "bad-fps", error: expect.stringMatching(/^fps: expected a positive number, got "thirty"/) as unknown },
          { id: "future", error: expect.stringMatching(/newer version of the studio/) as unknown },
        ]);
        await expect(s.getDataset("bad-fps")).rejects.toMatchObject({ code: "invalid", message: expect.stringMatching(/damaged/) });
      });
    });

    describe("episodes", () => {
      let datasetId: string;
      beforeEach(async () => {
        datasetId = (await s.createDataset(DATASET)).id;
      });

      it("creates episodes as 'recording', numbered after the dataset's last one, with the dataset's fps", async () => {
        const e0 = await s.createEpisode({ ...start(datasetId), id: "ep-b" });
        const e1 = await s.createEpisode({ ...start(datasetId, "second task"), id: "ep-a" });
        expect(e0).toStrictEqual({
          id: "ep-b",
          datasetId,
          index: 0,
          status: "recording",
          task: "pick the cube",
          length: 0,
          fps: 30,
          startedAtEpochMs: 1_760_000_000_000,
          t0Ms: 1234.5,
          tracks: [],
          sync: null,
          qa: [],
          annotations: { spans: [], events: [], tags: [], success: null, trimStart: 0, trimEnd: null },
          imageStats: {},
          mediaBytes: 0,
        });
        expect(e1.index).toBe(1);
        expect((await s.listEpisodes(datasetId)).episodes.map((e) => e.id)).toStrictEqual(["ep-b", "ep-a"]);
        await s.discardEpisode("ep-b");
        expect((await s.createEpisode(start(datasetId))).index).toBe(2);
        await expect(s.createEpisode(start("absent"))).rejects.toMatchObject({
          code: "invalid",
          message: expect.stringMatching(/dataset "absent" does not exist/),
        });
        await expect(s.createEpisode({ ...start(datasetId), id: "ep-a" })).rejects.toMatchObject({
          code: "invalid",
          message: expect.stringMatching(/already exists/),
        });
      });

      it("appends rows and media and reads them back in seq order, past several read chunks", async () => {
        const e = await recordEpisode(datasetId, 30 * 40 + 7); // 41 batches per stream
        const rows = await collect(s.readRows(e.id));
        expect(rows.map((b) => b.seq)).toStrictEqual([...Array(41).keys()]);
        expect(rows[3]).toStrictEqual(rowBatch(e.id, 3, 90, 30));
        expect(rowsOf(rows)).toStrictEqual([...Array(1207).keys()]);
        for (const camera of ["front", "wrist"]) {
          const media = await collect(s.readMedia(e.id, camera));
          expect(media.map((b) => b.seq)).toStrictEqual([...Array(41).keys()]);
          expect(media[40]).toStrictEqual(mediaBatch(e.id, camera, 40, 1200, 7));
          expect(framesOf(media).map((f) => f.row)).toStrictEqual([...Array(1207).keys()]);
        }
        expect(await collect(s.readMedia(e.id, "absent-camera"))).toStrictEqual([]);
        const stored = await s.getEpisode(e.id);
        expect(stored).toMatchObject({ status: "recording", length: 1207, mediaBytes: 2 * 1207 * 100 });
      });

      it("lets the reader await other storage work between batches", async () => {
        const e = await recordEpisode(datasetId, 30 * 12);
        const other = await s.createEpisode(start(datasetId));
        let seq = 0;
        for await (const batch of s.readMedia(e.id, "front")) {
          expect(batch.seq).toBe(seq);
          await s.appendRows(rowBatch(other.id, seq, seq * 30, 30));
          seq++;
        }
        expect(seq).toBe(12);
      });

      it("length counts rows that have joints and a frame from every camera", async () => {
        const e = await s.createEpisode(start(datasetId));
        await s.appendRows(rowBatch(e.id, 0, 0, 30));
        expect((await s.getEpisode(e.id))!.length).toBe(0);
        await s.appendMedia(mediaBatch(e.id, "front", 0, 0, 30));
        await s.appendMedia(mediaBatch(e.id, "wrist", 0, 0, 20));
        expect((await s.getEpisode(e.id))!.length).toBe(20);
        await s.appendMedia(mediaBatch(e.id, "wrist", 1, 20, 15));
        expect((await s.getEpisode(e.id))!.length).toBe(30);
      });

      const BAD_ROWS: [string, (id: string) => RowBatch, RegExp][] = [
        ["a gap in rows", (id) => rowBatch(id, 1, 31, 30), /starts at row 31 but 30 rows are stored/],
        ["a repeated seq", (id) => rowBatch(id, 0, 30, 30), /seq 0 does not follow the last stored seq 0/],
        [
          "a wrong joint count",
          (id) => ({ ...rowBatch(id, 1, 30, 30), state: new Float32Array(30 * 5) }),
          /state must be a Float32Array of 30×6 values/,
        ],
        [
          "row times of the wrong length",
          (id) => ({ ...rowBatch(id, 1, 30, 30), rowTimeMs: new Float64Array(29) }),
          /rowTimeMs must be a Float64Array of 30 values/,
        ],
      ];
      it.each(BAD_ROWS)("refuses a row batch with %s ('invalid'), keeping what is stored", async (_label, make, why) => {
        const e = await s.createEpisode(start(datasetId));
        await s.appendRows(rowBatch(e.id, 0, 0, 30));
        await expect(s.appendRows(make(e.id))).rejects.toMatchObject({ code: "invalid", message: expect.stringMatching(why) });
        expect(await collect(s.readRows(e.id))).toStrictEqual([rowBatch(e.id, 0, 0, 30)]);
        await s.appendRows(rowBatch(e.id, 1, 30, 30)); // the right batch still goes in
      });

      const BAD_MEDIA: [string, (id: string) => MediaBatch, RegExp][] = [
        ["an unknown camera", (id) => mediaBatch(id, "top", 1, 30, 30), /no camera "top" \(it has front, wrist\)/],
        ["a skipped frame", (id) => mediaBatch(id, "front", 1, 31, 30), /frame 0 is for row 31, expected row 30/],
        [
          "frames out of order",
          (id) => ({ ...mediaBatch(id, "front", 1, 30, 2), frames: mediaBatch(id, "front", 1, 30, 2).frames.reverse() }),
          /expected row 30/,
        ],
        [
          "a frame past the data",
          (id) => ({ ...mediaBatch(id, "front", 1, 30, 2), data: new ArrayBuffer(150) }),
          /frame 1 \(offset 100, size 100\) lies outside the 150 data bytes/,
        ],
        [
          "a Uint8Array instead of an ArrayBuffer",
          (id) => ({ ...mediaBatch(id, "front", 1, 30, 2), data: new Uint8Array(200) as unknown as ArrayBuffer }),
          /data must be an ArrayBuffer/,
        ],
        ["a repeated seq", (id) => mediaBatch(id, "front", 0, 30, 30), /seq 0 does not follow/],
      ];
      it.each(BAD_MEDIA)("refuses a media batch with %s ('invalid'), keeping what is stored", async (_label, make, why) => {
        const e = await s.createEpisode(start(datasetId));
        await s.appendMedia(mediaBatch(e.id, "front", 0, 0, 30));
        await expect(s.appendMedia(make(e.id))).rejects.toMatchObject({ code: "invalid", message: expect.stringMatching(why) });
        expect(await collect(s.readMedia(e.id, "front"))).toStrictEqual([mediaBatch(e.id, "front", 0, 0, 30)]);
        expect((await s.getEpisode(e.id))!.mediaBytes).toBe(3000);
      });

      it("stores exactly the rows of a batch that views a larger buffer", async () => {
        const e = await s.createEpisode(start(datasetId));
        const big = new Float32Array(10_000);
        const full = rowBatch(e.id, 0, 0, 2);
        big.set(full.state, 100);
        await s.appendRows({ ...full, state: big.subarray(100, 112) });
        const [stored] = await collect(s.readRows(e.id));
        expect(stored!.state).toStrictEqual(full.state);
        expect(stored!.state.buffer.byteLength).toBe(12 * 4);
      });

      it("finishes an episode: complete, with its report, trimmed to the rows every stream has", async () => {
        const e = await s.createEpisode(start(datasetId));
        await s.appendRows(rowBatch(e.id, 0, 0, 30));
        await s.appendRows(rowBatch(e.id, 1, 30, 30));
        await s.appendMedia(mediaBatch(e.id, "front", 0, 0, 30));
        await s.appendMedia(mediaBatch(e.id, "front", 1, 30, 25));
        await s.appendMedia(mediaBatch(e.id, "wrist", 0, 0, 30));
        await s.appendMedia(mediaBatch(e.id, "wrist", 1, 30, 28));
        const thumbnail = new Uint8Array([1, 2, 3]).buffer;
        const finished = await s.finishEpisode(e.id, { ...REPORT, thumbnail });
        expect(finished).toMatchObject({ status: "complete", length: 55, ...REPORT, mediaBytes: 2 * 55 * 100 });
        expect(finished.thumbnail).toStrictEqual(thumbnail);
        expect(await s.getEpisode(e.id)).toStrictEqual(finished);
        expect(rowsOf(await collect(s.readRows(e.id)))).toStrictEqual([...Array(55).keys()]);
        const wrist = await collect(s.readMedia(e.id, "wrist"));
        expect(framesOf(wrist).map((f) => f.row)).toStrictEqual([...Array(55).keys()]);
        expect(wrist[1]!.data.byteLength).toBe(25 * 100);
        expect(new Uint8Array(wrist[1]!.data)).toStrictEqual(new Uint8Array(mediaBatch(e.id, "wrist", 1, 30, 28).data, 0, 2500));

        // Data arriving after the stop is refused, and nothing changes.
        await expect(s.appendRows(rowBatch(e.id, 2, 55, 30))).rejects.toMatchObject({
          code: "invalid",
          message: expect.stringMatching(/is complete, not recording/),
        });
        await expect(s.appendMedia(mediaBatch(e.id, "front", 2, 55, 1))).rejects.toMatchObject({ code: "invalid" });
        await expect(s.finishEpisode(e.id, REPORT)).rejects.toMatchObject({
          code: "invalid",
          message: expect.stringMatching(/already complete/),
        });
        expect(await s.getEpisode(e.id)).toStrictEqual(finished);
      });

      it("finishes with a shorter length by trimming, and refuses a longer one", async () => {
        const e = await recordEpisode(datasetId, 60);
        await expect(s.finishEpisode(e.id, { ...REPORT, length: 61 })).rejects.toMatchObject({
          code: "invalid",
          message: expect.stringMatching(/only 60 rows have joints and a frame from every camera/),
        });
        expect((await s.getEpisode(e.id))!.status).toBe("recording");
        const finished = await s.finishEpisode(e.id, { ...REPORT, length: 29 });
        expect(finished).toMatchObject({ length: 29, mediaBytes: 2 * 29 * 100 });
        const rows = await collect(s.readRows(e.id));
        expect(rows).toHaveLength(1);
        expect(rows[0]).toStrictEqual({
          ...rowBatch(e.id, 0, 0, 30),
          count: 29,
          state: rowBatch(e.id, 0, 0, 30).state.slice(0, 29 * 6),
          action: rowBatch(e.id, 0, 0, 30).action.slice(0, 29 * 6),
          rowTimeMs: rowBatch(e.id, 0, 0, 30).rowTimeMs.slice(0, 29),
          sampleTimeMs: rowBatch(e.id, 0, 0, 30).sampleTimeMs.slice(0, 29),
        });
        expect(framesOf(await collect(s.readMedia(e.id, "front")))).toHaveLength(29);
      });

      it("updates task and annotations (the episode browser's edits), refusing invalid ones", async () => {
        const e = await recordEpisode(datasetId, 30);
        await s.finishEpisode(e.id, REPORT);
        const annotations = {
          spans: [{ id: "s1", startFrame: 0, endFrame: 10, text: "reach" }],
          events: [{ id: "p1", frame: 5, kind: "note" as const, text: "slipped" }],
          tags: ["good", "left"],
          success: true,
          trimStart: 2,
          trimEnd: 28,
        };
        const updated = await s.updateEpisode(e.id, { task: "pick the red cube", annotations });
        expect(updated).toMatchObject({ task: "pick the red cube", annotations, status: "complete", length: 30 });
        expect(await s.getEpisode(e.id)).toStrictEqual(updated);
        await expect(s.updateEpisode(e.id, { annotations: { ...annotations, trimStart: 5, trimEnd: 3 } })).rejects.toMatchObject({
          code: "invalid",
          message: expect.stringMatching(/annotations\.trimEnd: expected an integer ≥ 5, got 3/),
        });
        await expect(s.updateEpisode("absent", { task: "x" })).rejects.toMatchObject({
          code: "invalid",
          message: expect.stringMatching(/does not exist/),
        });
        expect(await s.getEpisode(e.id)).toStrictEqual(updated);
      });

      it("returns copies: mutating a result or an input does not change the store", async () => {
        const e = await recordEpisode(datasetId, 30);
        const got = (await s.getEpisode(e.id))!;
        got.annotations.tags.push("mutated");
        got.task = "mutated";
        const [batch] = await collect(s.readMedia(e.id, "front"));
        new Uint8Array(batch!.data).fill(0);
        batch!.frames[0]!.row = 99;
        expect((await s.getEpisode(e.id))!.annotations.tags).toStrictEqual([]);
        expect((await s.getEpisode(e.id))!.task).toBe("pick the cube");
        expect((await collect(s.readMedia(e.id, "front")))[0]).toStrictEqual(mediaBatch(e.id, "front", 0, 0, 30));

        const input = rowBatch(e.id, 1, 30, 30);
        await s.appendRows(input);
        input.state.fill(-1);
        expect((await collect(s.readRows(e.id)))[1]).toStrictEqual(rowBatch(e.id, 1, 30, 30));
      });

      it("discards every trace of a take; late data for it is refused and never reaches the next take", async () => {
        const kept = await recordEpisode(datasetId, 45);
        await s.finishEpisode(kept.id, REPORT);
        const take = await recordEpisode(datasetId, 75);
        await s.discardEpisode(take.id);
        await s.discardEpisode(take.id); // twice: not an error
        expect(await s.getEpisode(take.id)).toBeUndefined();
        expect(await collect(s.readRows(take.id))).toStrictEqual([]);
        expect(await collect(s.readMedia(take.id, "front"))).toStrictEqual([]);
        expect(await collect(s.readMedia(take.id, "wrist"))).toStrictEqual([]);
        expect((await s.listEpisodes(datasetId)).episodes.map((e) => e.id)).toStrictEqual([kept.id]);

        // An encoder flushing late still delivers the discarded take's last second.
        await expect(s.appendMedia(mediaBatch(take.id, "front", 3, 75, 30))).rejects.toMatchObject({
          code: "invalid",
          message: expect.stringMatching(/does not exist \(it was discarded or never started\).*Nothing was kept/),
        });
        await expect(s.appendRows(rowBatch(take.id, 3, 75, 30))).rejects.toMatchObject({ code: "invalid" });

        const next = await recordEpisode(datasetId, 30);
        for (const camera of ["front", "wrist"]) {
          const media = await collect(s.readMedia(next.id, camera));
          expect(media.every((b) => b.episodeId === next.id)).toBe(true);
          expect(framesOf(media).map((f) => f.row)).toStrictEqual([...Array(30).keys()]);
          expect(media[0]).toStrictEqual(mediaBatch(next.id, camera, 0, 0, 30));
        }
        expect(rowsOf(await collect(s.readRows(next.id)))).toStrictEqual([...Array(30).keys()]);
        // The kept episode is untouched.
        expect(rowsOf(await collect(s.readRows(kept.id)))).toHaveLength(45);
        expect(await s.getEpisode(kept.id)).toMatchObject({ status: "complete", length: 45 });
      });

      it("recovers episodes left 'recording': complete rows kept, the partial tail dropped", async () => {
        const done = await recordEpisode(datasetId, 30);
        await s.finishEpisode(done.id, REPORT);
        const e = await s.createEpisode(start(datasetId));
        for (let seq = 0; seq < 3; seq++) {
          await s.appendRows(rowBatch(e.id, seq, seq * 30, 30));
          await s.appendMedia(mediaBatch(e.id, "front", seq, seq * 30, 30));
        }
        // The wrist camera's writer was a bit behind when the page died.
        await s.appendMedia(mediaBatch(e.id, "wrist", 0, 0, 30));
        await s.appendMedia(mediaBatch(e.id, "wrist", 1, 30, 15));
        const empty = await s.createEpisode(start(datasetId));

        const recovered = await s.recoverInterrupted();
        expect(recovered.map((r) => r.episode.id).sort()).toStrictEqual([e.id, empty.id].sort());
        const r = recovered.find((x) => x.episode.id === e.id)!;
        expect(r).toMatchObject({ droppedRows: 45, droppedFrames: { front: 45, wrist: 0 } });
        expect(r.episode).toMatchObject({ status: "interrupted", length: 45, mediaBytes: 2 * 45 * 100 });
        expect(await s.getEpisode(e.id)).toStrictEqual(r.episode);
        expect(recovered.find((x) => x.episode.id === empty.id)!.episode).toMatchObject({ status: "interrupted", length: 0 });

        const rows = await collect(s.readRows(e.id));
        expect(rows.map((b) => [b.seq, b.firstRow, b.count])).toStrictEqual([
          [0, 0, 30],
          [1, 30, 15],
        ]);
        expect(rowsOf(rows)).toStrictEqual([...Array(45).keys()]);
        for (const camera of ["front", "wrist"])
          expect(framesOf(await collect(s.readMedia(e.id, camera))).map((f) => f.row)).toStrictEqual([...Array(45).keys()]);

        expect(await s.getEpisode(done.id)).toMatchObject({ status: "complete", length: 30 });
        expect(await s.recoverInterrupted()).toStrictEqual([]);
        // A recovered take can be kept (finished) or discarded; it no longer takes data.
        await expect(s.appendRows(rowBatch(e.id, 3, 45, 30))).rejects.toMatchObject({
          code: "invalid",
          message: expect.stringMatching(/interrupted, not recording/),
        });
        expect(await s.finishEpisode(e.id, REPORT)).toMatchObject({ status: "complete", length: 45 });
      });

      it("lists episodes (metadata) per dataset, skipping damaged or newer records", async () => {
        const e = await recordEpisode(datasetId, 30);
        const other = await s.createDataset({ ...DATASET, name: "other" });
        await s.createEpisode(start(other.id));
        const current = (await s.getEpisode(e.id))!;
        await h.putRaw("episodes", { ...current, id: "zz-future", schemaVersion: EPISODE_SCHEMA_VERSION + 1, progress: {} });
        await h.putRaw("episodes", {
          ...current,
          id: "zz-bad-status",
          status: "paused",
          schemaVersion: EPISODE_SCHEMA_VERSION,
          progress: { joints: 6, rows: { lastSeq: -1, count: 0 }, cameras: {} },
        });
        const listing = await s.listEpisodes(datasetId);
        expect(listing.episodes).toStrictEqual([current]);
        expect(listing.skipped).toStrictEqual([
          {
            id: "zz-bad-status",
            error: expect.stringMatching(/^status: expected recording or complete or interrupted or discarded, got "paused"/) as unknown,
          },
          { id: "zz-future", error: expect.stringMatching(/newer version of the studio \(episode schema 2/) as unknown },
        ]);
        await expect(s.getEpisode("zz-future")).rejects.toMatchObject({
          code: "invalid",
          message: expect.stringMatching(/damaged.*newer version/),
        });
      });
    });
  });
}

const REPORT = {
  sync: {
    rows: 55,
    skewP50Ms: { front: 4.1, wrist: 5 },
    skewP99Ms: { front: 12.5, wrist: 14 },
    duplicatedFrames: { front: 0, wrist: 1 },
    droppedFrames: { front: 0, wrist: 0 },
    jointAgeP99Ms: 3.2,
    loopJitterP99Ms: 1.1,
  },
  qa: [{ kind: "dropped_frames" as const, subject: "wrist", message: "1 frame of the wrist camera was repeated" }],
  imageStats: {},
};
