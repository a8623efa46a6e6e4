/**
 * meta/info.json of a LeRobot v3.0 or v2.1 dataset: what the import needs (version, fps, joints,
 * cameras, path templates), checked field by field; anything else is ignored.
 */
import type { CameraSpec } from "../../core/dataset.ts";
import { clip, echo, messageOf } from "../../core/messages.ts";
import { array, integer, isRecord, nonEmptyString, object, string, type Raw } from "../../storage/fields.ts";
import { ImportError } from "../errors.ts";
import { inFile } from "./fields.ts";
import { READ_LIMITS, readText, type DatasetFiles } from "./files.ts";

const INFO = "meta/info.json";

export interface DatasetInfo {
  version: "v3.0" | "v2.1";
  fps: number;
  robotType: string;
  /** Names of the action / observation.state values, one per value. */
  jointNames: string[];
  cameras: CameraSpec[];
  /** Path templates (python format strings) of data and video files; videoPath is "" without cameras. */
  dataPath: string;
  videoPath: string;
  chunksSize: number;
  /** Declared features stored as data columns (not video): each must be a column of every data file. */
  columns: string[];
  /** total_episodes and total_frames, when info.json states them (checked against the episodes' metadata). */
  totalEpisodes: number | undefined;
  totalFrames: number | undefined;
}

function parseInfo(text: string): Raw {
  let o: unknown;
  try {
    o = JSON.parse(text);
  } catch (e) {
    throw new ImportError(`${INFO} is not valid JSON (${clip(messageOf(e), 120)}).`, INFO, { cause: e });
  }
  if (!isRecord(o)) throw new ImportError(`${INFO} is not a JSON object.`, INFO);
  return o;
}

interface Feature {
  dtype: string;
  shape: number[];
  names: unknown;
}

function feature(x: unknown, key: string): Feature {
  const f = object(x, `features.${key}`);
  return {
    dtype: string(f["dtype"], `features.${key}.dtype`),
    shape: array(f["shape"], `features.${key}.shape`).map((n, i) => integer(n, `features.${key}.shape[${i}]`, 0)),
    names: f["names"],
  };
}

export async function readInfo(files: DatasetFiles): Promise<DatasetInfo> {
  if (!files.has(INFO)) {
    throw new ImportError(
      "This is not a LeRobot dataset: meta/info.json is missing. Choose the dataset's folder (the one holding meta/, data/ and videos/) or its zip.",
      "",
    );
  }
  const info = parseInfo(await readText(files, INFO, READ_LIMITS.info));
  const version = info["codebase_version"];
  if (version !== "v3.0" && version !== "v2.1") {
    throw new ImportError(`${INFO} says codebase_version ${echo(version)}; only LeRobot v3.0 and v2.1 datasets can be imported.`, INFO);
  }
  return inFile(INFO, () => {
    const fps = integer(info["fps"], "fps", 1);
    const features = Object.entries(object(info["features"], "features")).map(([key, f]) => [key, feature(f, key)] as const);
    const byKey = new Map(features);
    const action = byKey.get("action");
    const state = byKey.get("observation.state");
    if (!action || !state || action.dtype !== "float32" || state.dtype !== "float32") {
      throw new ImportError(
        `${INFO} declares no float32 \`action\` and \`observation.state\` features; only arm datasets with both can be imported.`,
        INFO,
      );
    }
    const width = action.shape[0] ?? 0;
    const jointNames = Array.isArray(action.names) ? action.names.map((n, i) => string(n, `features.action.names[${i}]`)) : [];
    if (jointNames.length !== width || JSON.stringify(state.names) !== JSON.stringify(jointNames)) {
      throw new ImportError(`${INFO}: \`action\` and \`observation.state\` must name the same joints, one name per value.`, INFO);
    }
    const cameras: CameraSpec[] = [];
    for (const [key, f] of features) {
      if (f.dtype === "image")
        throw new ImportError(`Feature ${clip(key)} stores images as PNG frames; only video datasets can be imported.`, INFO);
      if (f.dtype !== "video") continue;
      if (!key.startsWith("observation.images."))
        throw new ImportError(`Video feature ${clip(key)} is not named observation.images.<camera>.`, INFO);
      cameras.push({
        key: key.slice("observation.images.".length),
        source: "imported",
        deviceId: "",
        label: key,
        width: f.shape[1] ?? 0,
        height: f.shape[0] ?? 0,
        fps,
      });
    }
    return {
      version,
      fps,
      robotType: info["robot_type"] == null ? "" : string(info["robot_type"], "robot_type"),
      jointNames,
      cameras,
      dataPath: nonEmptyString(info["data_path"], "data_path"),
      videoPath: cameras.length === 0 ? "" : nonEmptyString(info["video_path"], "video_path"),
      chunksSize: info["chunks_size"] === undefined ? 1000 : integer(info["chunks_size"], "chunks_size", 1),
      columns: features.filter(([, f]) => f.dtype !== "video").map(([key]) => key),
      totalEpisodes: info["total_episodes"] === undefined ? undefined : integer(info["total_episodes"], "total_episodes", 0),
      totalFrames: info["total_frames"] === undefined ? undefined : integer(info["total_frames"], "total_frames", 0),
    };
  });
}
