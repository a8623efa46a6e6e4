import { describe, expect, it } from "vitest";
import { lostFramesLabel, type MediaBatch } from "../core/dataset.ts";
import { MemoryEpisodeStore } from "../storage/MemoryEpisodeStore.ts";
import { StorageError } from "../storage/errors.ts";
import { EpisodeRecorder, type CameraTakeResult, type JointReader, type TakeCamera } from "./EpisodeRecorder.ts";

interface FakeFrame {
  id: number;
  t: number;
  released: boolean;
}

/** Encodes a frame as 4 bytes: its id; keyframe every 2 rows; batches of `perBatch` frames. */
class FakeCamera implements TakeCamera<FakeFrame> {
  onBatch: (batch: MediaBatch) => void = () => undefined;
  readonly encoded: { row: number; id: number }[] = [];
  private pending: { row: number; id: number; t: number }[] = [];
  released = 0;
  /** What the encoder reports about rows it repeated (a camera whose encoder fell behind). */
  encoder: NonNullable<CameraTakeResult["qa"]["encoder"]> | undefined;
  constructor(
    readonly key: string,
    private readonly perBatch = 30,
  ) {}
  encode(frame: FakeFrame, row: number, captureTimeMs: number): void {
    expect(frame.released).toBe(false);
    this.encoded.push({ row, id: frame.id });
    this.pending.push({ row, id: frame.id, t: captureTimeMs });
    if (this.pending.length >= this.perBatch) this.emit();
  }
  release(frame: FakeFrame): void {
    expect(frame.released).toBe(false);
    frame.released = true;
    this.released++;
  }
  private emit(): void {
    const frames = this.pending.splice(0);
    if (frames.length === 0) return;
    const data = new Uint8Array(frames.length * 4);
    frames.forEach((f, i) => new DataView(data.buffer).setUint32(i * 4, f.id));
    this.onBatch({
      episodeId: "",
      camera: this.key,
      seq: 0,
      frames: frames.map((f, i) => ({ row: f.row, key: f.row % 2 === 0, offset: i * 4, size: 4, captureTimeMs: f.t })),
      data: data.buffer,
    });
  }
  finish(): Promise<CameraTakeResult> {
    this.emit();
    return Promise.resolve({
      track: { camera: this.key, codec: "vp09.00.10.08", codecName: "vp9", width: 64, height: 48 },
      qa: {
        lumaMean: this.encoded.map(() => 120),
        hash: this.encoded.map((e) => e.id),
        ...(this.encoder ? { encoder: this.encoder } : {}),
      },
      stats: null,
    });
  }
  abort(): void {
    this.pending = [];
  }
}

async function setup(options: { quotaBytes?: number; cameras?: string[] } = {}) {
  const store = new MemoryEpisodeStore(options.quotaBytes !== undefined ? { quotaBytes: options.quotaBytes } : {});
  const ds = await store.createDataset({
    name: "t",
    fps: 30,
    robotType: "so101_follower",
    jointNames: ["a.pos", "b.pos"],
    units: "degrees",
    cameras: (options.cameras ?? ["front", "wrist"]).map((key) => ({
      key,
      source: "simulated" as const,
      deviceId: "",
      label: key,
      width: 64,
      height: 48,
      fps: 30,
    })),
    tasks: [],
  });
  const episode = await store.createEpisode({ datasetId: ds.id, task: "pick", startedAtEpochMs: 0, t0Ms: 1000 });
  return { store, episode };
}

/** A recorder of two joints and no camera, whose rows come from `readJoints`. */
async function jointsOnly(readJoints: JointReader) {
  const { store, episode } = await setup();
  return { store, episode, rec: new EpisodeRecorder<FakeFrame>({ store, episode, jointNames: ["a", "b"], cameras: [], readJoints }) };
}

describe("EpisodeRecorder", () => {
  it("rows at k/fps take the joint sample nearest their time; each camera's nearest frame is encoded per row; all of it is stored", async () => {
    const { store, episode } = await setup();
    const cams = [new FakeCamera("front"), new FakeCamera("wrist")];
    const rec = new EpisodeRecorder<FakeFrame>({
      store,
      episode,
      jointNames: ["a", "b"],
      cameras: cams,
      // The loop's samples every 10 ms: the nearest one to the row.
      readJoints: (rowT, state, action) => {
        const t = Math.round(rowT / 10) * 10;
        state.set([t, -t]);
        action.set([t + 1, 0]);
        return { t, seq: t / 10, stale: false };
      },
    });
    let id = 0;
    const all: FakeFrame[] = [];
    // 3 s: the loop at 100 Hz, the front camera at 30 fps offset by 5 ms, the wrist at 25 fps.
    const frontTimes = new Set(Array.from({ length: 100 }, (_, i) => 1005 + Math.round((i * 1000) / 30)));
    for (let t = 1000; t <= 4000; t += 1) {
      if (frontTimes.has(t)) {
        const f = { id: id++, t, released: false };
        all.push(f);
        rec.pushFrame("front", f, t);
      }
      if (t % 40 === 0) {
        const f = { id: id++, t, released: false };
        all.push(f);
        rec.pushFrame("wrist", f, t);
      }
      rec.sampleRows(t);
    }
    const result = await rec.stop();
    const rows = rec.rows;
    expect(rows).toBe(91); // rows at 1000, 1033.3, …, 4000
    expect(result.episode.status).toBe("complete");
    expect(result.episode.length).toBe(rows);
    // Every row was encoded once per camera, in order.
    for (const c of cams) expect(c.encoded.map((e) => e.row)).toEqual([...Array(rows).keys()]);
    // Every frame was released exactly once (release asserts no double release).
    expect(all.every((f) => f.released)).toBe(true);
    // Joint rows: the sample nearest each row's time (the loop ticks every 10 ms).
    const stored: number[] = [];
    for await (const b of store.readRows(episode.id)) stored.push(...b.state.filter((_, i) => i % 2 === 0));
    expect(stored).toHaveLength(rows);
    stored.forEach((v, k) => expect(Math.abs(1000 + (k * 1000) / 30 - v)).toBeLessThanOrEqual(5));
    expect(result.sync.staleJointRows).toBe(0);
    expect(result.sync.duplicatedJointRows).toBe(0);
    // Frames stored per camera = rows; skew within half a frame period for the 30 fps camera.
    let frames = 0;
    for await (const b of store.readMedia(episode.id, "front")) frames += b.frames.length;
    expect(frames).toBe(rows);
    expect(result.sync.skewP99Ms["front"]).toBeLessThanOrEqual(16.7);
    expect(result.sync.jointAgeP99Ms).toBeLessThanOrEqual(5);
    expect(result.episode.tracks.map((t) => t.camera).sort()).toEqual(["front", "wrist"]);
  });

  it("rows without a joint sample near enough are stored as NaN (missing) and counted, never invented", async () => {
    const { store, episode, rec } = await jointsOnly(() => ({ t: 500, seq: 1, stale: true }));
    rec.sampleRows(1000 + 1000);
    const { sync, qa } = await rec.stop();
    for await (const b of store.readRows(episode.id)) expect([...b.state].every(Number.isNaN)).toBe(true);
    expect(sync.staleJointRows).toBe(31);
    expect(qa.map((f) => f.kind)).toEqual(["missing_joints"]);
  });

  it("a row that takes the previous row's sample is counted as duplicated; a cut ends the take there, labelled", async () => {
    // A loop at 20 Hz under rows at 30 fps: every third row shares its sample.
    const { rec } = await jointsOnly((rowT, state) => {
      const t = Math.round(rowT / 50) * 50;
      state.set([t, t]);
      return { t, seq: t / 50, stale: false };
    });
    rec.sampleRows(1000 + 1000);
    rec.cut("SO-101 follower was disconnected");
    rec.sampleRows(1000 + 3000); // nothing after the cut
    const { sync, qa } = await rec.stop();
    expect(rec.rows).toBe(31);
    expect(sync.duplicatedJointRows).toBe(10);
    expect(qa[0]).toEqual(
      expect.objectContaining({ kind: "cut_short", message: expect.stringContaining("SO-101 follower was disconnected") }),
    );
  });

  it("rows a camera's encoder repeated are counted in the sync report and flagged (windows, what to do); the take is labelled lost frames", async () => {
    const { store, episode } = await setup();
    const cam = new FakeCamera("front");
    cam.encoder = { codec: "av1", rows: 31, repeatedRows: 4, repeatSpans: [{ from: 10, to: 13 }], levelChanges: [{ row: 5, level: 1 }] };
    const rec = new EpisodeRecorder<FakeFrame>({
      store,
      episode,
      jointNames: ["a", "b"],
      cameras: [cam],
      readJoints: () => ({ t: NaN, seq: 0, stale: true }),
    });
    for (let t = 1000; t <= 2000; t += 1000 / 30) rec.pushFrame("front", { id: Math.round(t), t, released: false }, t);
    rec.sampleRows(2000);
    const { sync, qa, episode: stored } = await rec.stop();
    expect(sync.encoderRepeatedRows).toEqual({ front: 4 });
    const flag = qa.find((f) => f.kind === "frames_lost")!;
    expect(flag.windows).toEqual([{ from: 10 / 30, to: 13 / 30 }]);
    expect(flag.message).toMatch(/AV1 encoder fell behind, so 4 of 31 rows/);
    expect(lostFramesLabel(stored.qa)).toBe("lost frames");
  });

  it("a full disk stops the take cleanly: what was stored stays, the error is reported", async () => {
    const { store, episode } = await setup({ quotaBytes: 20_000, cameras: ["front"] });
    const cam = new FakeCamera("front", 30);
    const errors: unknown[] = [];
    const rec = new EpisodeRecorder<FakeFrame>({
      store,
      episode,
      jointNames: ["a", "b"],
      cameras: [cam],
      readJoints: (rowT, s) => (s.fill(1), { t: rowT, seq: rowT, stale: false }),
      onStorageError: (e) => errors.push(e),
    });
    let id = 0;
    for (let t = 1000; t < 1000 + 60_000 && rec.error === undefined; t += 33.333) {
      rec.pushFrame("front", { id: id++, t, released: false }, t);
      rec.sampleRows(t);
      await Promise.resolve();
    }
    await rec.settled();
    expect(errors.length).toBe(1);
    expect(errors[0]).toBeInstanceOf(StorageError);
    expect((errors[0] as StorageError).code).toBe("quota");
    await expect(rec.stop()).rejects.toBeInstanceOf(StorageError);
    // Finishing what was stored still works: complete rows only.
    const ep = await store.finishEpisode(episode.id, { sync: null, qa: [], imageStats: {} });
    expect(ep.length).toBeGreaterThan(0);
    let rows = 0;
    for await (const b of store.readRows(episode.id)) rows += b.count;
    expect(rows).toBe(ep.length);
  });
});
