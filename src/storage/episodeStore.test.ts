import "fake-indexeddb/auto";
import { openDB } from "idb";
import { afterEach, describe, expect, it, vi } from "vitest";
import { IdbProfileStore } from "./IdbProfileStore.ts";
import { collect, DATASET, framesOf, mediaBatch, rowBatch, rowsOf } from "./episodeStore.fixtures.ts";
import { IdbEpisodeStore } from "./IdbEpisodeStore.ts";
import { MemoryEpisodeStore, RECORD_BYTES } from "./MemoryEpisodeStore.ts";
import { PROFILE_SCHEMA_VERSION, type RobotProfile } from "./ProfileStore.ts";
import { DB_VERSION } from "./schema.ts";

let dbCounter = 0;
const freshName = () => `episode-idb-test-${++dbCounter}`;
const start = (datasetId: string) => ({ datasetId, task: "pick the cube", startedAtEpochMs: 1_760_000_000_000, t0Ms: 0 });

const PROFILE: RobotProfile = {
  id: "3f1c2a9e-0000-4000-8000-000000000001",
  name: "left follower",
  arm: "so101_follower",
  bodyNormMode: "degrees",
  simulated: false,
  port: { usbVendorId: 0x1a86, usbProductId: 0x55d3, serialNumber: "58FA083324" },
  calibration: undefined,
  calibratedAt: undefined,
  createdAt: 1_750_000_000_000,
  updatedAt: 1_760_000_000_000,
};

afterEach(() => {
  vi.restoreAllMocks();
});

describe("schema version 2", () => {
  it("upgrades a version 1 database with a profile in it, keeping the profile", async () => {
    const name = freshName();
    // Version 1 exactly as it shipped: one "profiles" store.
    const v1 = await openDB(name, 1, { upgrade: (db) => void db.createObjectStore("profiles", { keyPath: "id" }) });
    await v1.put("profiles", { ...PROFILE, schemaVersion: PROFILE_SCHEMA_VERSION });
    v1.close();

    const episodes = await IdbEpisodeStore.open(name);
    const dataset = await episodes.createDataset(DATASET);
    episodes.close();
    const profiles = await IdbProfileStore.open(name);
    expect(await profiles.list()).toStrictEqual({ profiles: [PROFILE], skipped: [] });
    profiles.close();

    const db = await openDB(name);
    expect(db.version).toBe(2);
    expect(DB_VERSION).toBe(2);
    expect([...db.objectStoreNames]).toStrictEqual(["datasets", "episodes", "media", "profiles", "rows"]);
    const tx = db.transaction(["datasets", "episodes", "rows", "media"]);
    expect(tx.objectStore("datasets").keyPath).toBe("id");
    expect(tx.objectStore("episodes").keyPath).toBe("id");
    expect([...tx.objectStore("episodes").indexNames]).toStrictEqual(["by-dataset", "by-status"]);
    expect(tx.objectStore("episodes").index("by-dataset").keyPath).toBe("datasetId");
    expect(tx.objectStore("episodes").index("by-status").keyPath).toBe("status");
    expect(tx.objectStore("rows").keyPath).toStrictEqual(["episodeId", "seq"]);
    expect(tx.objectStore("media").keyPath).toStrictEqual(["episodeId", "camera", "seq"]);
    expect(await tx.objectStore("datasets").get(dataset.id)).toStrictEqual({ ...dataset, schemaVersion: 1 });
    db.close();
  });
});

describe("IdbEpisodeStore", () => {
  it("recovers an episode after a crash: the connection dropped mid-take, the page reopened", async () => {
    const name = freshName();
    const first = await IdbEpisodeStore.open(name);
    const { id: datasetId } = await first.createDataset(DATASET);
    const kept = await first.createEpisode(start(datasetId));
    await first.appendRows(rowBatch(kept.id, 0, 0, 30));
    await first.appendMedia(mediaBatch(kept.id, "front", 0, 0, 30));
    await first.appendMedia(mediaBatch(kept.id, "wrist", 0, 0, 30));
    await first.finishEpisode(kept.id, { sync: null, qa: [], imageStats: {} });

    const take = await first.createEpisode(start(datasetId));
    for (let seq = 0; seq < 4; seq++) {
      await first.appendRows(rowBatch(take.id, seq, seq * 30, 30));
      await first.appendMedia(mediaBatch(take.id, "front", seq, seq * 30, 30));
      if (seq < 3) await first.appendMedia(mediaBatch(take.id, "wrist", seq, seq * 30, 30));
    }
    await first.appendMedia(mediaBatch(take.id, "wrist", 3, 90, 12)); // the last second, cut short
    first.close(); // the tab died: never finished

    const second = await IdbEpisodeStore.open(name);
    const recovered = await second.recoverInterrupted();
    expect(recovered).toHaveLength(1);
    expect(recovered[0]).toMatchObject({
      episode: { id: take.id, status: "interrupted", length: 102 },
      droppedRows: 18,
      droppedFrames: { front: 18, wrist: 0 },
    });
    expect(rowsOf(await collect(second.readRows(take.id)))).toStrictEqual([...Array(102).keys()]);
    expect(framesOf(await collect(second.readMedia(take.id, "front"))).map((f) => f.row)).toStrictEqual([...Array(102).keys()]);
    expect((await second.listEpisodes(datasetId)).episodes.map((e) => [e.id, e.status])).toStrictEqual([
      [kept.id, "complete"],
      [take.id, "interrupted"],
    ]);
    second.close();

    // Stored as recovered: a third page sees the same, and recovers nothing more.
    const third = await IdbEpisodeStore.open(name);
    expect(await third.recoverInterrupted()).toStrictEqual([]);
    expect(await third.getEpisode(take.id)).toStrictEqual(recovered[0]!.episode);
    third.close();
  });

  it("discard leaves no key of the take in rows or media, and other episodes' keys untouched", async () => {
    const name = freshName();
    const store = await IdbEpisodeStore.open(name);
    const { id: datasetId } = await store.createDataset(DATASET);
    const a = await store.createEpisode(start(datasetId));
    const b = await store.createEpisode(start(datasetId));
    for (const e of [a, b]) {
      for (let seq = 0; seq < 3; seq++) {
        await store.appendRows(rowBatch(e.id, seq, seq * 30, 30));
        await store.appendMedia(mediaBatch(e.id, "front", seq, seq * 30, 30));
        await store.appendMedia(mediaBatch(e.id, "wrist", seq, seq * 30, 30));
      }
    }
    await store.discardEpisode(a.id);
    store.close();

    const db = await openDB(name);
    const rowKeys = (await db.getAllKeys("rows")) as [string, number][];
    const mediaKeys = (await db.getAllKeys("media")) as [string, string, number][];
    expect(rowKeys.filter(([id]) => id === a.id)).toStrictEqual([]);
    expect(mediaKeys.filter(([id]) => id === a.id)).toStrictEqual([]);
    expect(await db.getAllKeys("episodes")).toStrictEqual([b.id]);
    expect(rowKeys).toHaveLength(3);
    expect(mediaKeys).toHaveLength(6);
    db.close();
  });

  it("maps a quota failure during an append to 'quota' and rolls the whole append back", async () => {
    const store = await IdbEpisodeStore.open(freshName());
    const { id: datasetId } = await store.createDataset(DATASET);
    const e = await store.createEpisode(start(datasetId));
    await store.appendMedia(mediaBatch(e.id, "front", 0, 0, 30));
    const before = await store.getEpisode(e.id);

    // The media batch goes in, then updating the episode record hits the quota: nothing of the append may stay.
    const put = IDBObjectStore.prototype.put;
    vi.spyOn(IDBObjectStore.prototype, "put").mockImplementation(function (this: IDBObjectStore, ...args) {
      if (this.name === "episodes") throw new DOMException("The quota has been exceeded.", "QuotaExceededError");
      return put.apply(this, args);
    });
    const error: unknown = await store.appendMedia(mediaBatch(e.id, "front", 1, 30, 30)).catch((x: unknown) => x);
    vi.restoreAllMocks();

    expect(error).toMatchObject({
      name: "StorageError",
      code: "quota",
      message: expect.stringMatching(
        /^Could not store the video of camera front\. The browser's storage for this site is full\. Free space by deleting old data, then try again\. Recording has to stop; everything the episode stored before this point is kept\.$/,
      ),
    });
    expect(await store.getEpisode(e.id)).toStrictEqual(before);
    expect(await collect(store.readMedia(e.id, "front"))).toStrictEqual([mediaBatch(e.id, "front", 0, 0, 30)]);
    // After space is freed the same batch goes in.
    await store.appendMedia(mediaBatch(e.id, "front", 1, 30, 30));
    expect(framesOf(await collect(store.readMedia(e.id, "front")))).toHaveLength(60);
    store.close();
  });

  it("refuses calls after close() with 'unavailable'", async () => {
    const store = await IdbEpisodeStore.open(freshName());
    store.close();
    await expect(store.listDatasets()).rejects.toMatchObject({ code: "unavailable" });
    await expect(store.appendRows(rowBatch("x", 0, 0, 1))).rejects.toMatchObject({
      code: "unavailable",
      message: expect.stringMatching(/Reload the page/),
    });
    await expect(collect(store.readMedia("x", "front"))).rejects.toMatchObject({ code: "unavailable" });
  });

  it("reports usage and asks for persistence through the injected functions", async () => {
    const estimate = vi.fn(() => Promise.resolve({ usage: 1_500_000, quota: 60_000_000_000 }));
    const persist = vi.fn(() => Promise.resolve(false));
    const store = await IdbEpisodeStore.open(freshName(), { estimate, persist });
    expect(await store.usage()).toStrictEqual({ usageBytes: 1_500_000, quotaBytes: 60_000_000_000 });
    expect(await store.requestPersistence()).toBe("denied");
    expect(persist).toHaveBeenCalledOnce();
    store.close();

    const partial = await IdbEpisodeStore.open(freshName(), {
      estimate: () => Promise.resolve({ usage: 5 }),
      persist: () => Promise.resolve(true),
    });
    await expect(partial.usage()).rejects.toMatchObject({ code: "unavailable", message: expect.stringMatching(/does not report/) });
    expect(await partial.requestPersistence()).toBe("granted");
    partial.close();

    // Node has no navigator.storage: the defaults say so rather than make figures up.
    const bare = await IdbEpisodeStore.open(freshName());
    await expect(bare.usage()).rejects.toMatchObject({ code: "unavailable" });
    expect(await bare.requestPersistence()).toBe("unsupported");
    bare.close();
  });
});

describe("MemoryEpisodeStore quota", () => {
  /** A dataset with two finished episodes of 60 rows, ids fixed so two stores hold the same. */
  async function fill(store: MemoryEpisodeStore): Promise<{ datasetId: string; kept: string[] }> {
    const { id: datasetId } = await store.createDataset({ ...DATASET, id: "dataset" });
    const kept = ["episode-1", "episode-2"];
    for (const id of kept) {
      await store.createEpisode({ ...start(datasetId), id });
      for (let seq = 0; seq < 2; seq++) {
        await store.appendRows(rowBatch(id, seq, seq * 30, 30));
        await store.appendMedia(mediaBatch(id, "front", seq, seq * 30, 30));
        await store.appendMedia(mediaBatch(id, "wrist", seq, seq * 30, 30));
      }
      await store.finishEpisode(id, { sync: null, qa: [], imageStats: {} });
    }
    return { datasetId, kept };
  }

  it("stops cleanly when the quota runs out: a clear 'quota' error, stored episodes intact", async () => {
    const unlimited = new MemoryEpisodeStore();
    await fill(unlimited);
    const used = unlimited.usedBytes();
    // Room for the next episode's record, its first rows and the front camera's first second, not the wrist's.
    const rowsBytes = 30 * 6 * 4 * 2 + 30 * 8 * 2;
    const quota = used + RECORD_BYTES + rowsBytes + 3000 + 1000;
    const limited = new MemoryEpisodeStore({ quotaBytes: quota });
    const { datasetId: limitedDataset, kept } = await fill(limited);
    expect(limited.usedBytes()).toBe(used);

    const take = await limited.createEpisode(start(limitedDataset));
    await limited.appendRows(rowBatch(take.id, 0, 0, 30));
    await limited.appendMedia(mediaBatch(take.id, "front", 0, 0, 30));
    const error: unknown = await limited.appendMedia(mediaBatch(take.id, "wrist", 0, 0, 30)).catch((x: unknown) => x);
    expect(error).toMatchObject({
      name: "StorageError",
      code: "quota",
      message: expect.stringMatching(
        /^Could not store the video of camera wrist\. The browser's storage for this site is full\..*everything the episode stored before this point is kept\.$/,
      ),
    });
    // Every further write fails the same way; nothing of a failed write is kept.
    await expect(limited.appendRows(rowBatch(take.id, 1, 30, 30))).rejects.toMatchObject({ code: "quota" });
    expect(await collect(limited.readMedia(take.id, "wrist"))).toStrictEqual([]);
    expect(limited.usedBytes()).toBe(used + RECORD_BYTES + rowsBytes + 3000);
    expect(await limited.usage()).toStrictEqual({ usageBytes: limited.usedBytes(), quotaBytes: quota });

    // The stored episodes are intact, byte for byte.
    for (const id of kept) {
      expect(await limited.getEpisode(id)).toMatchObject({ status: "complete", length: 60, mediaBytes: 12_000 });
      expect(await collect(limited.readRows(id))).toStrictEqual([rowBatch(id, 0, 0, 30), rowBatch(id, 1, 30, 30)]);
      for (const camera of ["front", "wrist"]) {
        expect(await collect(limited.readMedia(id, camera))).toStrictEqual([
          mediaBatch(id, camera, 0, 0, 30),
          mediaBatch(id, camera, 1, 30, 30),
        ]);
      }
    }
    // The cut take keeps what it stored; it has no complete row (no wrist frame), and discarding it frees the space.
    expect(await collect(limited.readRows(take.id))).toStrictEqual([rowBatch(take.id, 0, 0, 30)]);
    await limited.discardEpisode(take.id);
    expect(limited.usedBytes()).toBe(used);
  });
});
