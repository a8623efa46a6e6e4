#!/usr/bin/env python3
"""Loads an exported LeRobot v3.0 dataset folder the way lerobot's loader does (pandas for
meta/tasks.parquet, HF `datasets` with explicit features for data/*/*.parquet and
meta/episodes/*/*.parquet) and checks the invariants of docs/dataset-format.md.

Needs: pip install pandas pyarrow datasets (and av to decode the videos). Usage: scripts/check-lerobot-dataset.py <folder>
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
# Annotated exports (language columns) are read without them here (unverified path: the script was last run before they existed).
language = [k for k, f in info["features"].items() if f["dtype"] == "language"]
for key, f in info["features"].items():
    if f["dtype"] in ("video", "language"):  # language columns: scripts/check-lerobot-language.py
        continue
    feats[key] = datasets.Value(f["dtype"]) if f["shape"] == [1] else datasets.List(datasets.Value(f["dtype"]), length=f["shape"][0])
data = datasets.Dataset.from_parquet(sorted(glob.glob(os.path.join(root, "data/*/*.parquet"))), features=datasets.Features(feats), **({"columns": list(feats)} if language else {})).with_format("numpy")
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

# Video: decode each episode's first and last frame as lerobot's pyav backend does (seek to the
# key frame before, decode forward) and check the decoded pts against from_timestamp + ts.
try:
    import av
except ImportError:
    av = None
if av is not None:
    for ep in episodes:
        for key, f in info["features"].items():
            if f["dtype"] != "video":
                continue
            path = os.path.join(root, info["video_path"].format(video_key=key, chunk_index=ep[f"videos/{key}/chunk_index"], file_index=ep[f"videos/{key}/file_index"]))
            start = ep[f"videos/{key}/from_timestamp"]
            for ts in (0.0, (ep["length"] - 1) / fps):
                query = start + ts
                with av.open(path) as c:
                    s = c.streams.video[0]
                    c.seek(int(query / s.time_base), stream=s, backward=True, any_frame=False)
                    best = min((abs(float(fr.pts * s.time_base) - query) for fr in c.decode(s) if float(fr.pts * s.time_base) <= query + 1), default=None)
                assert best is not None and best < 1e-4, f"{path}: no frame within 1e-4 s of {query}"
stats = json.load(open(os.path.join(root, "meta/stats.json")))
for key in info["features"]:
    assert {"min", "max", "mean", "std", "count"} <= set(stats[key]), key
print(f"ok: {info['total_episodes']} episodes, {len(data)} frames, {len(tasks)} task(s)")
