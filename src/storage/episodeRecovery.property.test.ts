import "fake-indexeddb/auto";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { MediaBatch } from "../core/dataset.ts";
import { collect, DATASET, framesOf, mediaBatch, rowBatch, rowsOf } from "./episodeStore.fixtures.ts";
import type { EpisodeStore } from "./EpisodeStore.ts";
import { IdbEpisodeStore } from "./IdbEpisodeStore.ts";
import { MemoryEpisodeStore } from "./MemoryEpisodeStore.ts";

/**
 * Whatever batch sizes each stream was written in, and wherever the page died, recovery (or
 * finishing at a chosen length) leaves exactly `length` rows and `length` frames per camera,
 * contiguous from row 0, with the bytes accounted, in both stores.
 */

const CAMERAS = ["front", "wrist"] as const;

/** Batch sizes per stream, as written before the crash. */
const streams = fc.record({
  rows: fc.array(fc.integer({ min: 0, max: 40 }), { maxLength: 6 }),
  front: fc.array(fc.integer({ min: 0, max: 40 }), { maxLength: 6 }),
  wrist: fc.array(fc.integer({ min: 0, max: 40 }), { maxLength: 6 }),
});
type Streams = { rows: number[]; front: number[]; wrist: number[] };

const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);

async function write(store: EpisodeStore, s: Streams): Promise<string> {
  const { id: datasetId } = await store.createDataset(DATASET);
  const { id } = await store.createEpisode({ datasetId, task: "t", startedAtEpochMs: 0, t0Ms: 0 });
  // Interleave the streams as independent writers would.
  const pending = { rows: [...s.rows], front: [...s.front], wrist: [...s.wrist] };
  const next = { rows: 0, front: 0, wrist: 0 };
  const seq = { rows: 0, front: 0, wrist: 0 };
  while (pending.rows.length + pending.front.length + pending.wrist.length > 0) {
    for (const k of ["rows", ...CAMERAS] as const) {
      const count = pending[k].shift();
      if (count === undefined) continue;
      if (k === "rows") await store.appendRows(rowBatch(id, seq.rows, next.rows, count));
      else await store.appendMedia(mediaBatch(id, k, seq[k], next[k], count, 10));
      next[k] += count;
      seq[k]++;
    }
  }
  return id;
}

async function expectExactly(store: EpisodeStore, id: string, length: number): Promise<void> {
  const episode = (await store.getEpisode(id))!;
  expect(episode.length).toBe(length);
  expect(rowsOf(await collect(store.readRows(id)))).toStrictEqual([...Array(length).keys()]);
  let bytes = 0;
  for (const camera of CAMERAS) {
    const media: MediaBatch[] = await collect(store.readMedia(id, camera));
    expect(framesOf(media).map((f) => f.row)).toStrictEqual([...Array(length).keys()]);
    expect(media.every((b) => b.frames.length > 0)).toBe(true);
    for (const b of media) {
      bytes += b.data.byteLength;
      // Each kept frame still holds its own bytes.
      for (const f of b.frames)
        expect(new Uint8Array(b.data, f.offset, f.size).every((v) => v === (f.row + (camera === "wrist" ? 1 : 0)) % 256)).toBe(true);
    }
  }
  expect(episode.mediaBytes).toBe(bytes);
}

let n = 0;
const STORES: [string, () => Promise<EpisodeStore & { close(): void }>, number][] = [
  ["MemoryEpisodeStore", () => Promise.resolve(new MemoryEpisodeStore()), 150],
  ["IdbEpisodeStore", () => IdbEpisodeStore.open(`recovery-property-${++n}`), 40],
];

describe.each(STORES)("%s", (_name, open, numRuns) => {
  it("recovery keeps exactly the complete rows of any crashed take", async () => {
    await fc.assert(
      fc.asyncProperty(streams, async (s) => {
        const store = await open();
        try {
          const id = await write(store, s);
          const complete = Math.min(sum(s.rows), sum(s.front), sum(s.wrist));
          const [recovered] = await store.recoverInterrupted();
          expect(recovered).toMatchObject({
            episode: { id, status: "interrupted", length: complete },
            droppedRows: sum(s.rows) - complete,
            droppedFrames: { front: sum(s.front) - complete, wrist: sum(s.wrist) - complete },
          });
          await expectExactly(store, id, complete);
        } finally {
          store.close();
        }
      }),
      { numRuns },
    );
  });

  it("finishing at any length up to the complete rows keeps exactly that many", async () => {
    await fc.assert(
      fc.asyncProperty(streams, fc.double({ min: 0, max: 1, noNaN: true }), async (s, fraction) => {
        const store = await open();
        try {
          const id = await write(store, s);
          const complete = Math.min(sum(s.rows), sum(s.front), sum(s.wrist));
          const length = Math.floor(complete * fraction);
          expect(await store.finishEpisode(id, { length, sync: null, qa: [], imageStats: {} })).toMatchObject({
            status: "complete",
            length,
          });
          await expectExactly(store, id, length);
        } finally {
          store.close();
        }
      }),
      { numRuns },
    );
  });
});
