#!/usr/bin/python3
"""Writes the tiny ONNX policies in lerobot's ACT export contract that the studio's tests use.

Contract (lerobot PRs #3819/#4630, not merged upstream): inputs `state` float32 [batch, state_dim]
and `image_0 … image_{N-1}` float32 [batch, 3, H, W], both already normalised with the dataset's
stats; output `action_chunk` float32 [batch, horizon, action_dim], normalised (the caller
un-normalises it with the action stats); opset 17; dynamic batch axis.

The fixture is not a trained network: a fixed function of the state, so tests can check the
numbers. In normalised units, row i (0-based) of the chunk is

    a_n[i] = (1 - (i + 1) * K) * s_n + (i + 1) * K * g_n        g_n = (GOAL - mean) / std

With the same stats for state and action that is, in the studio's units (degrees, gripper %),
    a[i] = s + (i + 1) * K * (GOAL - s)
i.e. each chunk walks K of the way per action toward GOAL. The image is consumed (its mean,
times 0, is added) so the input exists in the graph, but it does not change the output.

Usage: /usr/bin/python3 scripts/make-act-fixture.py [out_dir]   (default fixtures/onnx)
Needs Debian's python3-onnx and python3-numpy. Deterministic: the same bytes every run.
"""
import json
import os
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

HORIZON = 10
K = 0.03
JOINTS = ["shoulder_pan", "shoulder_lift", "elbow_flex", "wrist_flex", "wrist_roll", "gripper"]
GOAL = np.array([25.0, 15.0, -15.0, 10.0, 0.0, 40.0], dtype=np.float32)
MEAN = np.array([0.0, 0.0, 0.0, 0.0, 0.0, 50.0], dtype=np.float32)
STD = np.array([20.0, 20.0, 20.0, 20.0, 40.0, 25.0], dtype=np.float32)
IMAGE = 32  # image_0 is [batch, 3, 32, 32]


def model(action_dim=6, state_name="state", image_dtype=TensorProto.FLOAT, images=1, size=IMAGE):
    d = len(JOINTS)
    steps = (np.arange(1, HORIZON + 1, dtype=np.float32) * K).reshape(HORIZON, 1)
    w = (1.0 - steps).astype(np.float32)  # [H, 1]
    g_n = ((GOAL - MEAN) / STD).astype(np.float32)
    g = (steps * g_n.reshape(1, d)).astype(np.float32)  # [H, d]
    inits = [
        numpy_helper.from_array(w, "w"),
        numpy_helper.from_array(g, "g"),
        numpy_helper.from_array(np.array([1], dtype=np.int64), "axis1"),
        numpy_helper.from_array(np.array([1, 2], dtype=np.int64), "axes12"),
        numpy_helper.from_array(np.array([0.0], dtype=np.float32), "zero"),
        numpy_helper.from_array(np.arange(action_dim, dtype=np.int64), "keep"),
    ]
    nodes = [
        helper.make_node("Unsqueeze", [state_name, "axis1"], ["s3"]),  # [B, 1, d]
        helper.make_node("Mul", ["s3", "w"], ["ws"]),  # [B, H, d]
        helper.make_node("Add", ["ws", "g"], ["a"]),
    ]
    prev = "a"
    for k in range(images):
        # each image's mean × 0, broadcast over the chunk: [B] → [B, 1, 1]
        nodes += [
            helper.make_node("Cast", [f"image_{k}"], [f"img{k}"], to=TensorProto.FLOAT),
            helper.make_node("ReduceMean", [f"img{k}"], [f"m{k}"], axes=[1, 2, 3], keepdims=0),
            helper.make_node("Mul", [f"m{k}", "zero"], [f"z{k}"]),
            helper.make_node("Unsqueeze", [f"z{k}", "axes12"], [f"u{k}"]),
            helper.make_node("Add", [prev, f"u{k}"], [f"a{k}"]),
        ]
        prev = f"a{k}"
    nodes.append(helper.make_node("Gather", [prev, "keep"], ["action_chunk"], axis=2))
    graph = helper.make_graph(
        nodes,
        "act_fixture",
        [
            helper.make_tensor_value_info(state_name, TensorProto.FLOAT, ["batch", d]),
        ]
        + [helper.make_tensor_value_info(f"image_{k}", image_dtype, ["batch", 3, size, size]) for k in range(images)],
        [helper.make_tensor_value_info("action_chunk", TensorProto.FLOAT, ["batch", HORIZON, action_dim])],
        inits,
    )
    m = helper.make_model(
        graph,
        opset_imports=[helper.make_opsetid("", 17)],
        producer_name="robot-teaching-studio scripts/make-act-fixture.py",
        doc_string="Test fixture in lerobot's ACT ONNX contract: a fixed function of the state, not a trained policy.",
    )
    m.ir_version = 8
    onnx.checker.check_model(m)
    return m


def stats():
    def vec(mean, std):
        return {"mean": mean.tolist(), "std": std.tolist(), "min": (mean - 3 * std).tolist(), "max": (mean + 3 * std).tolist()}

    return {
        "action": vec(MEAN, STD),
        "observation.state": vec(MEAN, STD),
        "observation.images.front": {
            "mean": [[[0.5]], [[0.5]], [[0.5]]],
            "std": [[[0.25]], [[0.25]], [[0.25]]],
            "min": [[[0.0]], [[0.0]], [[0.0]]],
            "max": [[[1.0]], [[1.0]], [[1.0]]],
        },
    }


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), "..", "fixtures", "onnx")
    os.makedirs(out, exist_ok=True)
    onnx.save(model(), os.path.join(out, "act_tiny.onnx"))
    # Wrong models, refused before anything moves:
    onnx.save(model(action_dim=5), os.path.join(out, "act_tiny_5dof.onnx"))  # 5 actions for a 6-joint arm
    onnx.save(model(state_name="observation.state"), os.path.join(out, "act_tiny_misnamed.onnx"))  # no `state` input
    onnx.save(model(image_dtype=TensorProto.UINT8), os.path.join(out, "act_tiny_uint8.onnx"))  # image_0 uint8, not float32
    # ACT-sized inputs for the benchmark: two 224×224 images (the same function of the state).
    onnx.save(model(images=2, size=224), os.path.join(out, "act_tiny_2x224.onnx"))
    with open(os.path.join(out, "act_tiny.stats.json"), "w") as f:
        json.dump(stats(), f, indent=2)
        f.write("\n")


if __name__ == "__main__":
    main()
