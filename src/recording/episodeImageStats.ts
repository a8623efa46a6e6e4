import type { EpisodeRecord, ImageStats } from "../core/dataset.ts";
import { ImageStatsAccumulator, sampleIndices } from "../core/imageStats.ts";
import { decoderConfigFor } from "../core/videoTrack.ts";
import type { EpisodeStore } from "../storage/EpisodeStore.ts";

const W = 160;
const H = 120;

/**
 * Image statistics of a stored episode, computed from its video (lerobot's sampled frames:
 * sampleIndices(length), downsampled). Used for takes that did not finish normally (a crash,
 * a full disk), whose statistics were never written; browser only (WebCodecs).
 */
export async function imageStatsFromStorage(store: EpisodeStore, episode: EpisodeRecord): Promise<Record<string, ImageStats>> {
  const out: Record<string, ImageStats> = {};
  const canvas = new OffscreenCanvas(W, H);
  const ctx = canvas.getContext("2d", { willReadFrequently: true });
  if (!ctx) throw new Error("No 2D canvas available to compute image statistics.");
  const wanted = new Set(sampleIndices(episode.length));
  for (const track of episode.tracks) {
    const acc = new ImageStatsAccumulator();
    const jobs: Promise<void>[] = [];
    let row = 0;
    const decoder = new VideoDecoder({
      output: (frame) => {
        const r = row++;
        if (!wanted.has(r)) {
          frame.close();
          return;
        }
        jobs.push(
          createImageBitmap(frame, { resizeWidth: W, resizeHeight: H, resizeQuality: "low" })
            .then((bmp) => {
              ctx.drawImage(bmp, 0, 0);
              bmp.close();
              acc.addRgba(ctx.getImageData(0, 0, W, H).data, W, H);
            })
            .finally(() => frame.close()),
        );
      },
      error: () => undefined,
    });
    decoder.configure(decoderConfigFor(track));
    for await (const batch of store.readMedia(episode.id, track.camera)) {
      for (const f of batch.frames) {
        if (f.row >= episode.length) break;
        decoder.decode(
          new EncodedVideoChunk({
            type: f.key ? "key" : "delta",
            timestamp: Math.round((f.row * 1e6) / episode.fps),
            data: new Uint8Array(batch.data, f.offset, f.size),
          }),
        );
        if (decoder.decodeQueueSize > 16) await new Promise((r) => setTimeout(r, 2));
      }
    }
    await decoder.flush();
    decoder.close();
    await Promise.all(jobs);
    const stats = acc.result();
    if (stats) out[track.camera] = stats;
  }
  return out;
}

/**
 * A take that did not finish normally (crash, full disk) has no image statistics: compute them
 * from its stored video (`compute`) so it can be exported like any other. Best effort: when that
 * fails, the export says which episode lacks statistics.
 */
export async function fillImageStats(
  store: EpisodeStore,
  episode: EpisodeRecord,
  compute: (store: EpisodeStore, episode: EpisodeRecord) => Promise<Record<string, ImageStats>>,
): Promise<void> {
  if (episode.length === 0 || episode.tracks.length === 0 || Object.keys(episode.imageStats).length >= episode.tracks.length) return;
  try {
    await store.updateEpisode(episode.id, { imageStats: await compute(store, episode) });
  } catch {
    // the export names the episode without statistics
  }
}
