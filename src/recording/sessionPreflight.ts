import type { DatasetRecord } from "../core/dataset.ts";
import { throwIfCancelled } from "../core/lifecycle.ts";
import { chooseCodec } from "../capture/codecCheck.ts";
import type { CodecName } from "../capture/codecs.ts";
import { sessionDataset } from "./sessionDataset.ts";
import type { PersistenceResult } from "../storage/EpisodeStore.ts";
import type { RecordingSessionDeps, RecordingSettings } from "./sessionTypes.ts";

export interface PreflightResult {
  readonly dataset: DatasetRecord;
  readonly codec: CodecName;
  /** The pre-flight check's warning (a codec that keeps up only partly, another chosen), if any. */
  readonly codecWarning: string | undefined;
}

/**
 * What a recording session checks and sets up before its first countdown, in order, each step
 * cancellable by `signal`: a camera and a follower, the dataset (found or created by name), the
 * pre-flight codec check (measures the chosen codec — or, on auto, picks one — with every camera at
 * once), persistent storage (asked once per page: `askPersistence`, the answer to `onPersisted`),
 * and the control loop's samples handed to the recorder. Throws a message for the operator.
 */
export async function preflight(
  deps: RecordingSessionDeps,
  s: RecordingSettings,
  signal: AbortSignal,
  askPersistence: boolean,
  onPersisted: (persisted: PersistenceResult) => void,
): Promise<PreflightResult> {
  const cameras = deps.cameras();
  if (cameras.length === 0) throw new Error("Add at least one camera (Rig screen → Cameras) before recording.");
  const follower = deps.follower();
  if (!follower) throw new Error("Connect a follower arm first (Rig screen): a dataset records its joints.");
  const dataset = await sessionDataset(deps.episodes, { name: s.datasetName, task: s.task, fps: s.fps, follower, cameras });
  throwIfCancelled(signal);
  const loads = cameras.map((c) => ({ width: c.width, height: c.height, fps: s.fps }));
  const choose = deps.chooseCodec ?? ((l, only) => chooseCodec(l, "av1", 1, only));
  const choice = await choose(loads, s.codec === "auto" ? undefined : s.codec);
  throwIfCancelled(signal);
  if (askPersistence) {
    onPersisted(await deps.episodes.requestPersistence());
    throwIfCancelled(signal);
  }
  const source = await deps.joints();
  throwIfCancelled(signal);
  await deps.recorder.setSample(source);
  throwIfCancelled(signal);
  return { dataset, codec: choice.codec, codecWarning: choice.warning };
}
