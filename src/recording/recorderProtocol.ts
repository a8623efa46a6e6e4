import type { EpisodeRecord, QaFlag, SyncReport } from "../core/dataset.ts";
import type { CodecName } from "../capture/codecs.ts";

import type { SampleSource } from "../core/LatestSample.ts";

export type { SampleSource };

export interface TakeSpec {
  episode: EpisodeRecord;
  jointNames: string[];
  codec: CodecName;
  gop: number;
  /** Planned rows (episode seconds × fps), for the image-stats sampling. */
  expectedRows: number;
  cameras: { key: string; width: number; height: number }[];
}

export interface TakeOutcome {
  episode: EpisodeRecord;
  sync: SyncReport | null;
  qa: QaFlag[];
  /** Why the take stopped early (storage full, encoder failure); what was stored is kept. */
  failure?: { message: string; code?: string };
}

export type RecorderRequest =
  | { type: "init"; pageOrigin: number }
  | { type: "sample"; source: SampleSource | null }
  | { type: "addCamera"; key: string; stream: ReadableStream<VideoFrame>; fps: number; pageClock: boolean }
  | { type: "removeCamera"; key: string }
  | { type: "start"; take: TakeSpec }
  | { type: "stop" }
  | { type: "discard" };

export type RecorderCall = RecorderRequest & { id: number };

export type RecorderEvent =
  | { type: "reply"; id: number; ok: true; value?: unknown }
  | { type: "reply"; id: number; ok: false; error: string; code?: string }
  /** About once a second per camera, whether recording or not. */
  | { type: "camera"; key: string; fps: number; dropped: number; width: number; height: number; ended: boolean }
  /** The running take failed (storage full, encoder failure): it stopped; what was stored stays. */
  | { type: "takeFailed"; message: string; code?: string }
  | { type: "progress"; rows: number };
