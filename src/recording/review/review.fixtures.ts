/** Test data and a fake video decoder for the review engines' tests (player, seeker, annotation). */
import { rowOfTimestampUs } from "../../capture/codecs.ts";
import { MemoryEpisodeStore } from "../../storage/MemoryEpisodeStore.ts";
import { DATASET, mediaBatch, rowBatch } from "../../storage/episodeStore.fixtures.ts";
import type { DecodedFrame, DecoderFactory, EncodedChunk } from "./FrameSeeker.ts";
import type { CameraMedia } from "./loadEpisodeData.ts";

/** A store with one one-camera dataset of `episodes` complete episodes of `rows` rows (30 fps, keyframe every 2 rows). */
export async function seededStore<S extends MemoryEpisodeStore = MemoryEpisodeStore>(
  episodes = 3,
  rows = 30,
  store: S = new MemoryEpisodeStore() as S,
) {
  const ds = await store.createDataset({ ...DATASET, cameras: [DATASET.cameras[0]!] });
  const ids: string[] = [];
  for (let i = 0; i < episodes; i++) {
    const e = await store.createEpisode({ datasetId: ds.id, task: `task ${i}`, startedAtEpochMs: 1000 + i, t0Ms: 0 });
    await store.appendRows(rowBatch(e.id, 0, 0, rows));
    await store.appendMedia(mediaBatch(e.id, "front", 0, 0, rows));
    await store.finishEpisode(e.id, {
      sync: null,
      qa: [],
      imageStats: {},
      tracks: [{ camera: "front", codec: "vp09.00.10.08", codecName: "vp9", width: 640, height: 480 }],
    });
    ids.push(e.id);
  }
  return { store, ds, ids };
}

/** Media of `rows` frames whose keyframes are the rows in `keys`; every byte of a frame is its row. */
export function media(rows: number, keys: readonly number[]): CameraMedia {
  const frames = Array.from({ length: rows }, (_, row) => ({ row, key: keys.includes(row), data: new Uint8Array([row]) }));
  return { track: { camera: "front", codec: "vp09.00.10.08", codecName: "vp9", width: 640, height: 480 }, frames, keyframes: [...keys] };
}

export class FakeFrame implements DecodedFrame {
  closed = false;
  constructor(readonly timestamp: number) {}
  close(): void {
    this.closed = true;
  }
}

interface Deferred {
  promise: Promise<void>;
  resolve(): void;
}

function deferred(): Deferred {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
}

/**
 * Decoders that "decode" a chunk into a frame with its timestamp, handed out on flush. Flushes
 * can be held (`hold()` / `release()`) to see what arrives meanwhile; rows in `failing` make the
 * decoder fail as WebCodecs does (error callback, closed, flush rejects); rows in `silent`
 * decode to no picture.
 */
export class FakeDecoders {
  /** Decoders made so far. */
  made = 0;
  /** Rows of the chunks of each flush, in order. */
  readonly flushes: number[][] = [];
  readonly frames: FakeFrame[] = [];
  failing = new Set<number>();
  silent = new Set<number>();
  private held: Deferred | undefined;

  constructor(private readonly fps = 30) {}

  hold(): void {
    this.held = deferred();
  }

  release(): void {
    const h = this.held;
    this.held = undefined;
    h?.resolve();
  }

  readonly factory: DecoderFactory<FakeFrame> = (_track, callbacks) => {
    this.made++;
    let queue: EncodedChunk[] = [];
    let closed = false;
    return {
      decode: (chunk) => {
        if (closed) throw new Error("decode on a closed decoder");
        queue.push(chunk);
      },
      flush: async () => {
        const chunks = queue;
        queue = [];
        this.flushes.push(chunks.map((c) => rowOfTimestampUs(c.timestampUs, this.fps)));
        if (this.held) await this.held.promise;
        if (closed) throw new DOMException("Aborted due to close()", "AbortError");
        for (const c of chunks) {
          const row = rowOfTimestampUs(c.timestampUs, this.fps);
          if (this.failing.has(row)) {
            closed = true;
            callbacks.error(new Error(`bad data at frame ${row}`));
            throw new DOMException("Decoding error.", "EncodingError");
          }
          if (this.silent.has(row)) continue;
          const f = new FakeFrame(c.timestampUs);
          this.frames.push(f);
          callbacks.output(f);
        }
      },
      close: () => {
        closed = true;
      },
      get closed() {
        return closed;
      },
    };
  };
}
