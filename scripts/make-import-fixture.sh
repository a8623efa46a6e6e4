#!/usr/bin/env bash
# Builds src/export/fixtures/other-tools-v3: a tiny LeRobot v3.0 dataset made without our
# writer — video by ffmpeg (libsvtav1 -g 2, two episodes concatenated by stream copy, as
# lerobot does) and parquet by DuckDB — to test that import accepts other tools' files.
# Usage: scripts/make-import-fixture.sh   (needs ffmpeg and node_modules/@duckdb/node-api)
set -euo pipefail
cd "$(dirname "$0")/.."
OUT=src/export/fixtures/other-tools-v3
TMP=$(mktemp -d)
rm -rf "$OUT"
mkdir -p "$OUT/meta/episodes/chunk-000" "$OUT/data/chunk-000" "$OUT/videos/observation.images.front/chunk-000"

enc() { ffmpeg -v error -y -f lavfi -i "$1=size=64x64:rate=30" -frames:v "$2" -c:v libsvtav1 -g 2 -crf 30 -pix_fmt yuv420p "$3" 2>&1 | grep -v '^Svt' || true; }
enc testsrc 20 "$TMP/ep0.mp4"
enc smptebars 14 "$TMP/ep1.mp4"
printf "file '%s'\nfile '%s'\n" "$TMP/ep0.mp4" "$TMP/ep1.mp4" > "$TMP/list.txt"
ffmpeg -v error -y -f concat -safe 0 -i "$TMP/list.txt" -c copy -movflags faststart "$OUT/videos/observation.images.front/chunk-000/file-000.mp4"

cat > "$OUT/meta/info.json" <<'JSON'
{
    "codebase_version": "v3.0",
    "robot_type": "so101_follower",
    "total_episodes": 2,
    "total_frames": 34,
    "total_tasks": 1,
    "chunks_size": 1000,
    "data_files_size_in_mb": 100,
    "video_files_size_in_mb": 200,
    "fps": 30,
    "splits": {"train": "0:2"},
    "data_path": "data/chunk-{chunk_index:03d}/file-{file_index:03d}.parquet",
    "video_path": "videos/{video_key}/chunk-{chunk_index:03d}/file-{file_index:03d}.mp4",
    "features": {
        "action": {"dtype": "float32", "shape": [6], "names": ["shoulder_pan.pos", "shoulder_lift.pos", "elbow_flex.pos", "wrist_flex.pos", "wrist_roll.pos", "gripper.pos"]},
        "observation.state": {"dtype": "float32", "shape": [6], "names": ["shoulder_pan.pos", "shoulder_lift.pos", "elbow_flex.pos", "wrist_flex.pos", "wrist_roll.pos", "gripper.pos"]},
        "observation.images.front": {"dtype": "video", "shape": [64, 64, 3], "names": ["height", "width", "channels"],
            "info": {"video.height": 64, "video.width": 64, "video.codec": "av1", "video.pix_fmt": "yuv420p", "video.is_depth_map": false, "video.fps": 30, "video.channels": 3, "has_audio": false}},
        "timestamp": {"dtype": "float32", "shape": [1], "names": null},
        "frame_index": {"dtype": "int64", "shape": [1], "names": null},
        "episode_index": {"dtype": "int64", "shape": [1], "names": null},
        "index": {"dtype": "int64", "shape": [1], "names": null},
        "task_index": {"dtype": "int64", "shape": [1], "names": null}
    }
}
JSON

OUT="$OUT" node --input-type=module <<'JS'
import { DuckDBInstance } from "@duckdb/node-api";
const out = process.env.OUT;
const c = await (await DuckDBInstance.create(":memory:")).connect();
const img = (x) => `[[[${x}]], [[${x}]], [[${x}]]]::DOUBLE[][][]`;
const stats = (k) => ["min", "max", "mean", "std", "q01", "q10", "q50", "q90", "q99"].map((s, i) => `${img(i / 10)} AS "stats/${k}/${s}"`).join(", ");
await c.run(`COPY (
  SELECT list_transform(range(6), j -> (e * 100 + f * 0.25 + j * 10 + 0.5)::FLOAT)::FLOAT[6] AS action,
         list_transform(range(6), j -> (e * 100 + f * 0.25 + j * 10)::FLOAT)::FLOAT[6] AS "observation.state",
         (f / 30)::FLOAT AS timestamp, f::BIGINT AS frame_index, e::BIGINT AS episode_index,
         (CASE WHEN e = 0 THEN f ELSE 20 + f END)::BIGINT AS index, 0::BIGINT AS task_index
  FROM (SELECT 0 AS e, range AS f FROM range(20) UNION ALL SELECT 1 AS e, range AS f FROM range(14)) ORDER BY e, f
) TO '${out}/data/chunk-000/file-000.parquet' (FORMAT parquet)`);
await c.run(`COPY (
  SELECT e::BIGINT AS episode_index, ['Pick the cube'] AS tasks, len::BIGINT AS length,
         0::BIGINT AS "data/chunk_index", 0::BIGINT AS "data/file_index",
         frm::BIGINT AS dataset_from_index, (frm + len)::BIGINT AS dataset_to_index,
         0::BIGINT AS "videos/observation.images.front/chunk_index", 0::BIGINT AS "videos/observation.images.front/file_index",
         (frm / 30)::DOUBLE AS "videos/observation.images.front/from_timestamp", ((frm + len) / 30)::DOUBLE AS "videos/observation.images.front/to_timestamp",
         ${stats("observation.images.front")}, [len]::BIGINT[] AS "stats/observation.images.front/count",
         0::BIGINT AS "meta/episodes/chunk_index", 0::BIGINT AS "meta/episodes/file_index"
  FROM (VALUES (0, 20, 0), (1, 14, 20)) t(e, len, frm) ORDER BY e
) TO '${out}/meta/episodes/chunk-000/file-000.parquet' (FORMAT parquet)`);
await c.run(`COPY (SELECT 0::BIGINT AS task_index, 'Pick the cube' AS __index_level_0__) TO '${out}/meta/tasks.parquet' (FORMAT parquet)`);
JS
rm -rf "$TMP"
du -sh "$OUT"
