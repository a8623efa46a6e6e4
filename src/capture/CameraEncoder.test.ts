/**
 * CameraEncoder's own logic (CFR timestamps, keyframe cadence, batching, backpressure, track
 * info, failure) against a scripted stand-in for WebCodecs' VideoEncoder (node has none).
 * The real encoder is exercised in Chromium by the capture harness (see the report / e2e).
 */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { MediaBatch } from "../core/dataset.ts";
import { CameraEncoder, EncoderError } from "./CameraEncoder.ts";
import { chooseCodec } from "./codecCheck.ts";

interface Submitted {
  timestamp: number;
  duration: number | null;
  keyFrame: boolean;
}

class FakeFrame {
  closed = false;
  readonly timestamp: number;
  readonly duration: number | null;
  constructor(_src: unknown, init: { timestamp: number; duration?: number }) {
    this.timestamp = init.timestamp;
    this.duration = init.duration ?? null;
  }
  close(): void {
    this.closed = true;
  }
}

class FakeChunk {
  constructor(
    readonly type: "key" | "delta",
    readonly timestamp: number,
    readonly bytes: Uint8Array,
  ) {}
  get byteLength(): number {
    return this.bytes.byteLength;
  }
  copyTo(dst: Uint8Array): void {
    dst.set(this.bytes);
  }
}

let instances: FakeEncoder[] = [];
let supported: (codec: string) => boolean = () => true;

class FakeEncoder {
  state: "unconfigured" | "configured" | "closed" = "unconfigured";
  encodeQueueSize = 0;
  readonly submitted: Submitted[] = [];
  private pending: Submitted[] = [];
  constructor(readonly init: { output: (chunk: FakeChunk, meta?: unknown) => void; error: (e: Error) => void }) {
    instances.push(this);
  }
  static isConfigSupported(config: { codec: string }): Promise<{ supported: boolean }> {
    return Promise.resolve({ supported: supported(config.codec) });
  }
  readonly configs: Array<{ bitrate?: number }> = [];
  configure(config: { bitrate?: number }): void {
    this.state = "configured";
    this.configs.push(config);
  }
  encode(frame: FakeFrame, opts: { keyFrame: boolean }): void {
    const s = { timestamp: frame.timestamp, duration: frame.duration, keyFrame: opts.keyFrame };
    this.submitted.push(s);
    this.pending.push(s);
    this.encodeQueueSize++;
  }
  /** Emits `n` queued frames (each 10 + index bytes); the first carries a decoderConfig. */
  drain(n = Infinity): void {
    while (n-- > 0 && this.pending.length > 0) {
      const s = this.pending.shift()!;
      this.encodeQueueSize--;
      const first = this.submitted.length - this.pending.length === 1;
      const bytes = new Uint8Array(10 + (this.submitted.length - this.pending.length)).fill(s.keyFrame ? 1 : 2);
      this.init.output(
        new FakeChunk(s.keyFrame ? "key" : "delta", s.timestamp, bytes),
        first ? { decoderConfig: { codec: "avc1.42E01E", description: new Uint8Array([1, 2, 3]) } } : undefined,
      );
    }
  }
  flush(): Promise<void> {
    this.drain();
    return Promise.resolve();
  }
  close(): void {
    this.state = "closed";
  }
}

const g = globalThis as unknown as Record<string, unknown>;
beforeEach(() => {
  instances = [];
  supported = () => true;
  g["VideoEncoder"] = FakeEncoder;
  g["VideoFrame"] = FakeFrame;
});
afterEach(() => {
  delete g["VideoEncoder"];
  delete g["VideoFrame"];
});

const frame = {} as VideoFrame;

async function make(
  batches: MediaBatch[],
  extra: Partial<Parameters<typeof CameraEncoder.create>[0]> = {},
): Promise<{ enc: CameraEncoder; fake: FakeEncoder }> {
  const enc = await CameraEncoder.create({
    episodeId: "ep",
    camera: "front",
    codec: "h264",
    width: 640,
    height: 480,
    fps: 30,
    onBatch: (b) => batches.push(b),
    ...extra,
  });
  return { enc, fake: instances[0]! };
}

describe("CameraEncoder", () => {
  it("stamps rows at k/fps, keyframes every gop frames, and batches about one second", async () => {
    const batches: MediaBatch[] = [];
    const { enc, fake } = await make(batches);
    for (let row = 0; row < 70; row++) {
      expect(enc.encode(frame, row, 1000 + row * 33.3)).toBe("encoded");
      if (row % 5 === 4) fake.drain();
    }
    expect(fake.submitted[3]).toEqual({ timestamp: 100_000, duration: 33_333, keyFrame: false });
    expect(fake.submitted.filter((s) => s.keyFrame).length).toBe(35);
    expect(batches.map((b) => b.frames.length)).toEqual([30, 30]);
    await enc.flush();
    expect(batches.map((b) => b.frames.length)).toEqual([30, 30, 10]);
    expect(batches.map((b) => b.seq)).toEqual([0, 1, 2]);
    const b1 = batches[1]!;
    expect(b1.episodeId).toBe("ep");
    expect(b1.camera).toBe("front");
    expect(b1.frames[0]).toMatchObject({ row: 30, key: true, offset: 0, captureTimeMs: 1000 + 30 * 33.3 });
    // refs tile the batch's buffer exactly
    let end = 0;
    for (const f of b1.frames) {
      expect(f.offset).toBe(end);
      end += f.size;
    }
    expect(b1.data.byteLength).toBe(end);
    expect(new Uint8Array(b1.data, b1.frames[1]!.offset, 1)[0]).toBe(2);
    const info = enc.trackInfo!;
    expect(info).toMatchObject({ camera: "front", codec: "avc1.42E01E", codecName: "h264", width: 640, height: 480 });
    expect([...new Uint8Array(info.description!)]).toEqual([1, 2, 3]);
    expect(enc.stats).toMatchObject({ submitted: 70, encoded: 70, repeated: 0, batches: 3 });
    enc.close();
    expect(fake.state).toBe("closed");
  });

  it("a frame used for two rows is encoded twice with both timestamps; the caller's frame is not closed", async () => {
    const batches: MediaBatch[] = [];
    const { enc, fake } = await make(batches);
    const f = new FakeFrame(null, { timestamp: 5 }) as unknown as VideoFrame;
    enc.encode(f, 7, 1);
    enc.encode(f, 8, 1);
    await enc.flush();
    expect(fake.submitted.map((s) => s.timestamp)).toEqual([233_333, 266_667]);
    expect((f as unknown as FakeFrame).closed).toBe(false);
    expect(batches[0]!.frames.map((r) => r.row)).toEqual([7, 8]);
  });

  it("falls behind: lowers the bitrate, then repeats rows as copies of a keyframe — every row gets a frame, in order, counted", async () => {
    const batches: MediaBatch[] = [];
    const { enc, fake } = await make(batches, { bitrate: 1_000_000 });
    const results: string[] = [];
    // Nothing comes out of the encoder for 30 rows (a second).
    for (let row = 0; row < 30; row++) results.push(String(enc.encode(frame, row, 1000 + row)));
    expect(fake.configs.length).toBe(2);
    expect(fake.configs[1]!.bitrate).toBeLessThan(1_000_000);
    expect(results).not.toContain("false");
    const repeated = results.filter((r) => r === "repeated").length;
    expect(repeated).toBeGreaterThan(10);
    expect(enc.stats.repeated).toBe(repeated);
    expect(fake.encodeQueueSize).toBe(30 - repeated);
    expect(fake.encodeQueueSize).toBeLessThanOrEqual(13);
    // The last submitted frame was asked for as a keyframe: the repeats copy it.
    expect(fake.submitted[fake.submitted.length - 1]!.keyFrame).toBe(true);
    fake.drain();
    for (let row = 30; row < 33; row++) expect(enc.encode(frame, row, 1000 + row)).toBe("encoded");
    await enc.flush();
    const refs = batches.flatMap((b) => b.frames.map((f) => ({ ...f, bytes: new Uint8Array(b.data, f.offset, f.size) })));
    expect(refs.map((f) => f.row)).toEqual([...Array(33).keys()]);
    const anchor = fake.submitted.length - 4;
    const anchorRow = Math.round((fake.submitted[anchor]!.timestamp * 30) / 1e6);
    const copies = refs.filter((f) => f.repeatOf !== undefined);
    expect(copies.length).toBe(repeated);
    for (const c of copies) {
      expect(c.repeatOf).toBe(anchorRow);
      expect(c.key).toBe(true);
      expect([...c.bytes]).toEqual([...refs[anchorRow]!.bytes]);
      expect(c.captureTimeMs).toBe(1000 + anchorRow);
    }
    expect(enc.repeatSpans).toEqual([{ from: anchorRow + 1, to: 29 }]);
  });

  it("once the encoder catches up, rows are encoded again; every row appears once, in row order", async () => {
    const batches: MediaBatch[] = [];
    const { enc, fake } = await make(batches, { batchFrames: 100 });
    for (let row = 0; row < 20; row++) enc.encode(frame, row, row);
    const repeatedBefore = enc.stats.repeated;
    expect(repeatedBefore).toBeGreaterThan(0);
    fake.drain();
    expect(enc.encode(frame, 20, 20)).toBe("encoded");
    await enc.flush();
    expect(batches[0]!.frames.map((f) => f.row)).toEqual([...Array(21).keys()]);
  });

  it("rejects an unsupported codec with a message, and reports an encoder failure once", async () => {
    supported = () => false;
    await expect(
      CameraEncoder.create({ episodeId: "e", camera: "c", codec: "av1", width: 640, height: 480, fps: 30, onBatch: () => undefined }),
    ).rejects.toThrow(/cannot encode AV1 video at 640×480/);
    supported = () => true;
    const errors: EncoderError[] = [];
    const { enc, fake } = await make([], { onError: (e) => errors.push(e) });
    fake.init.error(new Error("boom"));
    fake.init.error(new Error("again"));
    expect(errors.length).toBe(1);
    expect(errors[0]!.code).toBe("encoder_failed");
    expect(errors[0]!.message).toMatch(/camera "front" failed: boom/);
    expect(enc.encode(frame, 0, 0)).toBe(false);
    await expect(enc.flush()).rejects.toBeInstanceOf(EncoderError);
  });

  it("tries Main when Constrained Baseline H.264 is not supported", async () => {
    supported = (c) => c.startsWith("avc1.4D");
    const { enc } = await make([]);
    expect(enc.config.codec).toBe("avc1.4D401E");
    expect(enc.config.avc).toEqual({ format: "avc" });
  });

  it("chooseCodec throws a clear error when nothing can encode", async () => {
    supported = () => false;
    await expect(chooseCodec([{ width: 640, height: 480, fps: 30 }])).rejects.toThrow(/cannot encode video in AV1, H.264 or VP9/);
  });
});
