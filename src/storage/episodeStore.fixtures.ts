import type { EncodedFrameRef, MediaBatch, RowBatch } from "../core/dataset.ts";
import type { KeyValueStorage } from "./EditJournal.ts";
import type { NewDataset } from "./EpisodeStore.ts";

/** Test data for the episode store suites: deterministic rows and frames whose content encodes their position. */

const JOINTS = ["shoulder_pan.pos", "shoulder_lift.pos", "elbow_flex.pos", "wrist_flex.pos", "wrist_roll.pos", "gripper.pos"];

export const DATASET: NewDataset = {
  name: "pick and place",
  fps: 30,
  robotType: "so101_follower",
  jointNames: JOINTS,
  units: "degrees",
  cameras: [
    { key: "front", source: "simulated", deviceId: "", label: "simulated front", width: 640, height: 480, fps: 30 },
    { key: "wrist", source: "usb", deviceId: "abc", label: "USB camera", width: 640, height: 480, fps: 30 },
  ],
  tasks: ["pick the cube"],
};

/** Rows firstRow..firstRow+count-1; state[k][j] = row·10 + j, action = −state, row time = row·33.3 ms. */
export function rowBatch(episodeId: string, seq: number, firstRow: number, count: number, joints = JOINTS.length): RowBatch {
  const state = new Float32Array(count * joints);
  for (let i = 0; i < count; i++) for (let j = 0; j < joints; j++) state[i * joints + j] = (firstRow + i) * 10 + j;
  const rowTimeMs = Float64Array.from({ length: count }, (_, i) => ((firstRow + i) * 1000) / 30);
  return { episodeId, seq, firstRow, count, state, action: state.map((v) => -v), rowTimeMs, sampleTimeMs: rowTimeMs.map((t) => t - 2) };
}

/** Frames for rows firstRow..firstRow+count-1 of one camera, `frameBytes` each, every byte of a frame = its row mod 256 (+1 for wrist). */
export function mediaBatch(episodeId: string, camera: string, seq: number, firstRow: number, count: number, frameBytes = 100): MediaBatch {
  const data = new Uint8Array(count * frameBytes);
  const frames: EncodedFrameRef[] = [];
  for (let i = 0; i < count; i++) {
    const row = firstRow + i;
    data.fill((row + (camera === "wrist" ? 1 : 0)) % 256, i * frameBytes, (i + 1) * frameBytes);
    frames.push({ row, key: row % 2 === 0, offset: i * frameBytes, size: frameBytes, captureTimeMs: (row * 1000) / 30 + 1 });
  }
  return { episodeId, camera, seq, frames, data: data.buffer };
}

export async function collect<T>(items: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of items) out.push(item);
  return out;
}

/** Row indices of a sequence of row batches. */
export function rowsOf(batches: RowBatch[]): number[] {
  return batches.flatMap((b) => Array.from({ length: b.count }, (_, i) => b.firstRow + i));
}

export function framesOf(batches: MediaBatch[]): EncodedFrameRef[] {
  return batches.flatMap((b) => b.frames);
}

/** A Web Storage (localStorage) in memory, for the edit journal; `failWrites` makes setItem throw as a full storage does. */
export function memoryKeyValueStorage(): KeyValueStorage & { failWrites: boolean; readonly map: Map<string, string> } {
  const map = new Map<string, string>();
  return {
    map,
    failWrites: false,
    get length() {
      return map.size;
    },
    key: (i) => [...map.keys()][i] ?? null,
    getItem: (k) => map.get(k) ?? null,
    setItem(k, v) {
      if (this.failWrites) throw new DOMException("The quota has been exceeded.", "QuotaExceededError");
      map.set(k, v);
    },
    removeItem: (k) => void map.delete(k),
  };
}
