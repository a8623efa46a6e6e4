#!/usr/bin/env python3
"""Loads an exported LeRobot v3.0 dataset folder the way lerobot's loader does (pandas for
meta/tasks.parquet, HF `datasets` with explicit features for data/*/*.parquet and
meta/episodes/*/*.parquet) and checks the invariants of docs/dataset-format.md.

Needs: pip install pandas pyarrow datasets. Usage: scripts/check-lerobot-dataset.py <folder>
(Not part of the test suite: the suite validates with DuckDB and ffprobe, which CI has.)"""
import glob
import json
import os
import sys

import datasets
import numpy as np
import pandas as pd

root = sys.argv[1]
info = json.load(open(os.path.join(root, "meta/info.json")))
assert info["codebase_version"] == "v3.0", info["codebase_version"]
fps = info["fps"]

tasks = pd.read_parquet(os.path.join(root, "meta/tasks.parquet"))
assert list(tasks.task_index) == list(range(len(tasks))), "tasks not ordered by task_index"
assert all(isinstance(t, str) for t in tasks.index), "task strings are not the index (pandas metadata missing?)"

feats = {}
for key, f in info["features"].items():
    if f["dtype"] == "video":
        continue
    feats[key] = datasets.Value(f["dtype"]) if f["shape"] == [1] else datasets.List(datasets.Value(f["dtype"]), length=f["shape"][0])
data = datasets.Dataset.from_parquet(sorted(glob.glob(os.path.join(root, "data/*/*.parquet"))), features=datasets.Features(feats)).with_format("numpy")
assert len(data) == info["total_frames"], (len(data), info["total_frames"])
assert (np.asarray(data["index"]) == np.arange(len(data))).all(), "global index not contiguous"
assert (np.abs(np.asarray(data["timestamp"]) - np.asarray(data["frame_index"]) / fps) < 1e-4).all(), "timestamp != frame_index / fps"

episodes = datasets.Dataset.from_parquet(sorted(glob.glob(os.path.join(root, "meta/episodes/*/*.parquet"))))
assert list(episodes["episode_index"]) == list(range(info["total_episodes"])), "episodes not 0..N-1"
for ep in episodes:
    for key, f in info["features"].items():
        if f["dtype"] != "video":
            continue
        path = info["video_path"].format(video_key=key, chunk_index=ep[f"videos/{key}/chunk_index"], file_index=ep[f"videos/{key}/file_index"])
        assert os.path.isfile(os.path.join(root, path)), path
stats = json.load(open(os.path.join(root, "meta/stats.json")))
for key in info["features"]:
    assert {"min", "max", "mean", "std", "count"} <= set(stats[key]), key
print(f"ok: {info['total_episodes']} episodes, {len(data)} frames, {len(tasks)} task(s)")
