/**
 * Bench page for bench/storage.bench.ts: one page session of back-to-back episodes written
 * through the real IdbEpisodeStore (rows + two cameras' media, about one second per append),
 * until the target is reached, the time runs out or storage fails. The database is deleted at
 * the end.
 */
import { IdbEpisodeStore } from "../../src/storage/index.ts";
import type { EncodedFrameRef, MediaBatch, RowBatch } from "../../src/core/dataset.ts";

export interface LongSessionOptions {
  targetBytes: number;
  timeLimitMs: number;
  frameBytes: number;
  fps: number;
  episodeSeconds: number;
  cameras: string[];
  /**
   * Issue one second's appends (rows and each camera) together, as independent writers (the
   * recording loop, one encoder per camera) do, rather than awaiting each before the next.
   */
  concurrent: boolean;
}

export interface LongSessionResult {
  /** Media bytes stored before the stop (successful appends only). */
  mediaBytes: number;
  rowBytes: number;
  episodes: number;
  elapsedMs: number;
  /** The first storage error, `name: message`, or null. */
  error: string | null;
  /** navigator.storage.estimate() just before cleanup. */
  usageBytes: number | null;
  quotaBytes: number | null;
  cleanedUp: boolean;
}

const JOINTS = 6;
const POOL_BYTES = 8 << 20;

/** Incompressible bytes, like encoded video (xorshift32). */
function randomPool(): Uint8Array {
  const words = new Uint32Array(POOL_BYTES / 4);
  let x = 2463534242;
  for (let i = 0; i < words.length; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    words[i] = x >>> 0;
  }
  return new Uint8Array(words.buffer);
}

async function runLongSession(o: LongSessionOptions): Promise<LongSessionResult> {
  const status = document.getElementById("status")!;
  const name = `storage-bench-${Date.now()}`;
  const store = await IdbEpisodeStore.open(name);
  const pool = randomPool();
  let poolOffset = 0;
  const result: LongSessionResult = {
    mediaBytes: 0,
    rowBytes: 0,
    episodes: 0,
    elapsedMs: 0,
    error: null,
    usageBytes: null,
    quotaBytes: null,
    cleanedUp: false,
  };
  const t0 = performance.now();
  let lastReport = 0;
  const batchBytes = o.fps * o.frameBytes;

  const media = (episodeId: string, camera: string, seq: number): MediaBatch => {
    const data = new Uint8Array(batchBytes);
    if (poolOffset + batchBytes > pool.length) poolOffset = (poolOffset * 7 + 4093) % (pool.length - batchBytes);
    data.set(pool.subarray(poolOffset, poolOffset + batchBytes));
    poolOffset += batchBytes;
    const frames: EncodedFrameRef[] = [];
    for (let i = 0; i < o.fps; i++) {
      const row = seq * o.fps + i;
      frames.push({ row, key: row % 2 === 0, offset: i * o.frameBytes, size: o.frameBytes, captureTimeMs: (row * 1000) / o.fps });
    }
    return { episodeId, camera, seq, frames, data: data.buffer };
  };
  const rows = (episodeId: string, seq: number): RowBatch => {
    const n = o.fps;
    const state = new Float32Array(n * JOINTS).map((_, i) => Math.sin(seq + i));
    const rowTimeMs = Float64Array.from({ length: n }, (_, i) => ((seq * n + i) * 1000) / o.fps);
    return {
      episodeId,
      seq,
      firstRow: seq * n,
      count: n,
      state,
      action: state.map((v) => v + 0.5),
      rowTimeMs,
      sampleTimeMs: rowTimeMs.map((t) => t - 1),
    };
  };

  try {
    const dataset = await store.createDataset({
      name: "long session",
      fps: o.fps,
      robotType: "so101_follower",
      jointNames: Array.from({ length: JOINTS }, (_, j) => `joint${j}.pos`),
      units: "degrees",
      cameras: o.cameras.map((key) => ({
        key,
        source: "simulated" as const,
        deviceId: "",
        label: key,
        width: 640,
        height: 480,
        fps: o.fps,
      })),
      tasks: ["bench"],
    });
    const done = () => result.mediaBytes >= o.targetBytes || performance.now() - t0 >= o.timeLimitMs;
    while (!done()) {
      const episode = await store.createEpisode({
        datasetId: dataset.id,
        task: "bench",
        startedAtEpochMs: Date.now(),
        t0Ms: performance.now(),
      });
      for (let seq = 0; seq < o.episodeSeconds && !done(); seq++) {
        const r = rows(episode.id, seq);
        const batches = o.cameras.map((camera) => media(episode.id, camera, seq));
        if (o.concurrent) {
          await Promise.all([store.appendRows(r), ...batches.map((b) => store.appendMedia(b))]);
        } else {
          await store.appendRows(r);
          for (const b of batches) await store.appendMedia(b);
        }
        result.rowBytes += r.state.byteLength * 2 + r.rowTimeMs.byteLength * 2;
        result.mediaBytes += batchBytes * batches.length;
        if (result.mediaBytes - lastReport >= 256 << 20) {
          lastReport = result.mediaBytes;
          const msg = `${(result.mediaBytes / 1e9).toFixed(2)} GB in ${((performance.now() - t0) / 1000).toFixed(1)} s`;
          status.textContent = msg;
          console.log(`[storage-bench] ${msg}`);
        }
      }
      await store.finishEpisode(episode.id, { sync: null, qa: [], imageStats: {} });
      result.episodes++;
    }
  } catch (e) {
    const cause = e instanceof Error && e.cause instanceof Error ? ` (cause ${e.cause.name}: ${e.cause.message})` : "";
    result.error = e instanceof Error ? `${e.name}: ${e.message}${cause}` : String(e);
  }
  result.elapsedMs = performance.now() - t0;
  try {
    const estimate = await navigator.storage.estimate();
    result.usageBytes = estimate.usage ?? null;
    result.quotaBytes = estimate.quota ?? null;
  } catch {
    // reported as null
  }
  store.close();
  result.cleanedUp = await new Promise<boolean>((resolve) => {
    const request = indexedDB.deleteDatabase(name);
    request.onsuccess = () => resolve(true);
    request.onerror = () => resolve(false);
    request.onblocked = () => resolve(false);
  });
  status.textContent = "done";
  return result;
}

(window as unknown as { __runLongSession: typeof runLongSession }).__runLongSession = runLongSession;
document.getElementById("status")!.textContent = "ready";
