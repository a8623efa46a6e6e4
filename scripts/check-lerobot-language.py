#!/usr/bin/env python3
"""Loads an exported LeRobot v3.0 dataset with lerobot's own `LeRobotDataset`, from a lerobot source
checkout, and reads the language columns (`language_persistent`, `language_events`) of every frame,
checking what docs/dataset-format.md ("Annotations") promises:

- info.json declares each language column as {"dtype": "language", "shape": [1], "names": null};
- the data files' arrow types equal lerobot's canonical ones (`language_persistent_arrow_type()`,
  `language_events_arrow_type()`: field order, nullability, `tool_calls: list<json>`);
- the loader accepts the files (lerobot raises on undeclared or mis-typed columns);
- every frame of an episode carries the same persistent list;
- every persistent entry's timestamp is exactly (float32) one of its episode's row timestamps;
- every entry has a role, a known style (or a tool call), and content or tool_calls;
- optionally (--getitem) `dataset[i]` returns the columns for the first and last frame of each
  episode (this decodes video, so it needs a working torchcodec or PyAV).

Manual and CI-optional: PyPI is not reachable from the studio's build machine, so this script
has not been run there. Usage:

    python scripts/check-lerobot-language.py <export folder> --lerobot <path to lerobot checkout> [--getitem]

The checkout's dependencies must be installed (e.g. `pip install -e <checkout>`); `--lerobot`
puts `<checkout>/src` first on sys.path so that exactly that source is used.
"""
import argparse
import json
import os
import sys

PERSISTENT_STYLES = {"subtask", "plan", "memory", "motion", "task_aug"}
EVENT_STYLES = {"interjection", "vqa", "trace"}
DECLARED = {"dtype": "language", "shape": [1], "names": None}


def fail(msg):
    print(f"FAIL: {msg}")
    sys.exit(1)


def check_entry(entry, where, persistent):
    if not isinstance(entry, dict):
        fail(f"{where}: entry is {type(entry).__name__}, expected a struct")
    if entry.get("role") is None:
        fail(f"{where}: no role")
    style = entry.get("style")
    known = PERSISTENT_STYLES if persistent else EVENT_STYLES
    if style is None and not entry.get("tool_calls"):
        fail(f"{where}: style null without tool_calls")
    if style is not None and style not in known:
        fail(f"{where}: unknown style {style!r}")
    if entry.get("content") is None and not entry.get("tool_calls"):
        fail(f"{where}: neither content nor tool_calls")
    if persistent and entry.get("timestamp") is None:
        fail(f"{where}: no timestamp")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("root")
    ap.add_argument("--lerobot", required=True, help="lerobot source checkout (its src/ is put first on sys.path)")
    ap.add_argument("--repo-id", default="local/export")
    ap.add_argument("--getitem", action="store_true", help="also read frames through dataset[i] (decodes video)")
    args = ap.parse_args()
    sys.path.insert(0, os.path.join(os.path.abspath(args.lerobot), "src"))

    import numpy as np
    import lerobot
    from lerobot.datasets.lerobot_dataset import LeRobotDataset

    print(f"lerobot from {os.path.dirname(lerobot.__file__)}")
    info = json.load(open(os.path.join(args.root, "meta/info.json")))
    present = [k for k in ("language_persistent", "language_events") if k in info["features"]]
    if not present:
        fail("info.json declares no language column; export a dataset with subtask spans or events")
    for k in present:
        if info["features"][k] != DECLARED:
            fail(f"info.json features.{k} is {info['features'][k]}, expected {DECLARED}")

    # The arrow types as written, against lerobot's canonical ones (tool_calls: list<json> where pyarrow has json_).
    import glob
    import pyarrow.parquet as pq
    from lerobot.datasets import language as lang

    expected = {
        "language_persistent": lang.language_persistent_arrow_type(),
        "language_events": lang.language_events_arrow_type(),
    }
    for path in sorted(glob.glob(os.path.join(args.root, "data", "chunk-*", "file-*.parquet"))):
        schema = pq.read_schema(path)
        for k in present:
            got = schema.field(k).type
            if not got.equals(expected[k]):
                fail(f"{path}: {k} is {got}, lerobot's canonical type is {expected[k]}")
    print(f"arrow types equal lerobot's canonical ones (pyarrow {__import__('pyarrow').__version__})")

    ds = LeRobotDataset(args.repo_id, root=args.root)
    print(f"loaded: {ds.num_episodes} episodes, {ds.num_frames} frames, codebase {ds.meta.info['codebase_version']}")
    hf = ds.hf_dataset
    print("hf features:", {k: str(hf.features[k]) for k in present})
    cols = hf.with_format(None).select_columns(["episode_index", "frame_index", "timestamp", *present])[:]

    n = len(cols["episode_index"])
    if n != info["total_frames"]:
        fail(f"{n} rows, info.json says {info['total_frames']}")
    by_episode = {}
    for i in range(n):
        by_episode.setdefault(int(cols["episode_index"][i]), []).append(i)
    entries = {k: 0 for k in present}
    for ep, rows in sorted(by_episode.items()):
        ts = {float(np.float32(cols["timestamp"][i])) for i in rows}
        if "language_persistent" in present:
            first = cols["language_persistent"][rows[0]]
            for i in rows:
                if cols["language_persistent"][i] != first:
                    fail(f"episode {ep} frame {cols['frame_index'][i]}: persistent list differs from frame 0")
            for k, e in enumerate(first or []):
                where = f"episode {ep} language_persistent entry {k}"
                check_entry(e, where, True)
                if float(np.float32(e["timestamp"])) not in ts:
                    fail(f"{where}: timestamp {e['timestamp']} is not a row timestamp of the episode")
            entries["language_persistent"] += len(first or [])
        if "language_events" in present:
            for i in rows:
                for k, e in enumerate(cols["language_events"][i] or []):
                    check_entry(e, f"episode {ep} frame {cols['frame_index'][i]} language_events entry {k}", False)
                    entries["language_events"] += 1
    print(f"read every frame: {entries}")

    if args.getitem:
        for ep, rows in sorted(by_episode.items()):
            for i in (rows[0], rows[-1]):
                item = ds[i]
                for k in present:
                    if k not in item:
                        fail(f"dataset[{i}] has no {k} (keys: {sorted(item)})")
        print("dataset[i] returns the language columns for the first and last frame of every episode")
    print("OK")


if __name__ == "__main__":
    main()
