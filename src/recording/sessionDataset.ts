import type { CameraSpec, DatasetRecord, JointUnits } from "../core/dataset.ts";
import { ARMS, type ArmId } from "../core/robots.ts";
import type { EpisodeStore } from "../storage/EpisodeStore.ts";

/** The arm whose joints a session records. */
export interface SessionFollower {
  readonly arm: ArmId;
  readonly bodyNormMode: JointUnits;
}

export interface SessionDatasetRequest {
  readonly name: string;
  readonly task: string;
  readonly fps: number;
  readonly follower: SessionFollower;
  readonly cameras: readonly CameraSpec[];
}

/** A dataset key a user can read: lowercase words joined by _. */
function datasetKey(name: string): string {
  return name.trim().replace(/[^\w.-]+/g, "_") || "dataset";
}

const cameraShape = (cameras: readonly CameraSpec[]) => cameras.map((c) => `${c.key}:${c.width}x${c.height}`).join();

/**
 * The dataset a session records into: the one of that name if its episodes have the same shape
 * (fps, joints, cameras) — its task list then starts with this task — or a new one. A dataset of
 * that name with another shape is refused while it has episodes (they could not share a table),
 * and reshaped while it has none.
 */
export async function sessionDataset(store: EpisodeStore, r: SessionDatasetRequest): Promise<DatasetRecord> {
  const name = datasetKey(r.name);
  const cameras = r.cameras.map((c) => ({ ...c }));
  const jointNames = ARMS[r.follower.arm].motors.map((m) => `${m.name}.pos`);
  // Looked up and created in one transaction: two tabs starting on the same new name get one dataset.
  const { dataset: existing, created } = await store.datasetNamed({
    name,
    fps: r.fps,
    robotType: r.follower.arm,
    jointNames,
    units: r.follower.bodyNormMode,
    cameras,
    tasks: [r.task],
  });
  if (created) return existing;
  const same =
    existing.fps === r.fps && existing.jointNames.join() === jointNames.join() && cameraShape(existing.cameras) === cameraShape(cameras);
  if (same) return store.updateDataset(existing.id, { tasks: [r.task, ...existing.tasks.filter((t) => t !== r.task)] });
  const { episodes } = await store.listEpisodes(existing.id);
  if (episodes.length > 0)
    throw new Error(
      `The dataset "${name}" was recorded with other settings (${existing.fps} fps, cameras ${existing.cameras.map((c) => `${c.key} ${c.width}×${c.height}`).join(", ") || "none"}). ` +
        "Record into a new dataset name, or use the same fps and cameras.",
    );
  return store.updateDataset(existing.id, {
    fps: r.fps,
    jointNames,
    cameras,
    units: r.follower.bodyNormMode,
    robotType: r.follower.arm,
    tasks: [r.task],
  });
}
