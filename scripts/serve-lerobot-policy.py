#!/usr/bin/env python3
"""Serves a lerobot-trained policy (ACT, SmolVLA, Diffusion, … saved by `lerobot-train`) over
openpi's websocket policy-server protocol, so the studio's Rollout screen can run it.

lerobot's own policy server (async inference) speaks gRPC with pickle payloads, which no browser
can: this bridge speaks openpi's protocol instead (docs/rollouts.md):

- on connect, one msgpack message: the policy's metadata (action_horizon, action_fps, …);
- per request: msgpack(observation) in, msgpack({"actions": float32[horizon, dim],
  "server_timing": {"infer_ms", "prev_total_ms"}}) out; numpy arrays as openpi's msgpack_numpy
  markers (`{b"__ndarray__": True, b"data", b"dtype", b"shape"}`);
- on an exception: the traceback as a text frame, then close code 1011.

Observation (the studio's default mapping): `state` float32 [d] (joints in degrees, gripper
0..100, the units lerobot records SO-101/Koch in), `prompt` str, and images uint8 [3,H,W] under
the keys given with --image (studio key=lerobot camera name). They become lerobot's batch:
`observation.state`, `observation.images.<name>` (float 0..1) and `task`; the policy's own
pre/post-processors (normalisation with the dataset's stats) are applied when the checkpoint has
them.

Usage:
    python3 scripts/serve-lerobot-policy.py --checkpoint outputs/train/act_so101/checkpoints/last/pretrained_model \\
        --lerobot ~/src/lerobot --image images.front=front --port 8000
    python3 scripts/serve-lerobot-policy.py --stub --port 0    # no torch: a policy that holds the state (protocol tests)

Needs python3-msgpack, python3-websockets and numpy (Debian packages); the real mode also needs a
lerobot install (torch). The protocol side is tested (server/lerobotBridge.test.ts) where those
Debian packages exist; loading a checkpoint is not tested here (no PyPI on the build machine).
"""
import argparse
import asyncio
import sys
import time
import traceback

import msgpack
import numpy as np
import websockets


# ---- openpi's msgpack_numpy (byte-for-byte the same markers) -------------------------------
def pack_array(obj):
    if isinstance(obj, (np.ndarray, np.generic)) and obj.dtype.kind in ("V", "O", "c"):
        raise ValueError(f"Unsupported dtype: {obj.dtype}")
    if isinstance(obj, np.ndarray):
        return {b"__ndarray__": True, b"data": obj.tobytes(), b"dtype": obj.dtype.str, b"shape": obj.shape}
    if isinstance(obj, np.generic):
        return {b"__npgeneric__": True, b"data": obj.item(), b"dtype": obj.dtype.str}
    return obj


def unpack_array(obj):
    if b"__ndarray__" in obj:
        return np.ndarray(buffer=obj[b"data"], dtype=np.dtype(obj[b"dtype"]), shape=obj[b"shape"])
    if b"__npgeneric__" in obj:
        return np.dtype(obj[b"dtype"]).type(obj[b"data"])
    return obj


def packb(obj):
    return msgpack.Packer(default=pack_array).pack(obj)


def unpackb(data):
    return msgpack.unpackb(data, object_hook=unpack_array)


# ---- policies -----------------------------------------------------------------------------
class StubPolicy:
    """Holds the state for `horizon` actions: for protocol tests without torch."""

    def __init__(self, horizon=10, fps=30):
        self.metadata = {"policy": "stub-hold", "action_horizon": horizon, "action_fps": fps}
        self.horizon = horizon

    def infer(self, obs):
        state = np.asarray(obs["state"], dtype=np.float32)
        if state.ndim != 1:
            raise ValueError("observation 'state' must be a 1-D array")
        return {"actions": np.tile(state, (self.horizon, 1)).astype(np.float32)}


class LerobotPolicy:
    """A checkpoint saved by lerobot-train, with its processors when it has them."""

    def __init__(self, checkpoint, lerobot, device, images, fps):
        if lerobot:
            sys.path.insert(0, f"{lerobot}/src")
        import torch
        from lerobot.configs.policies import PreTrainedConfig
        from lerobot.policies.factory import get_policy_class

        self.torch = torch
        self.device = device
        cfg = PreTrainedConfig.from_pretrained(checkpoint)
        cfg.device = device
        self.policy = get_policy_class(cfg.type).from_pretrained(checkpoint, config=cfg)
        self.policy.to(device).eval()
        self.pre = self.post = None
        try:
            from lerobot.policies.factory import make_pre_post_processors

            self.pre, self.post = make_pre_post_processors(cfg, pretrained_path=checkpoint)
        except Exception as e:  # older lerobot: normalisation lives inside the policy
            print(f"no pre/post-processors ({e}); using the policy's own normalisation", file=sys.stderr)
        self.images = images
        horizon = getattr(cfg, "chunk_size", None) or getattr(cfg, "n_action_steps", 1)
        self.metadata = {"policy": f"lerobot-{cfg.type}", "action_horizon": int(horizon), "action_fps": fps}

    def infer(self, obs):
        torch = self.torch
        batch = {"observation.state": torch.from_numpy(np.asarray(obs["state"], dtype=np.float32))[None].to(self.device)}
        for key, name in self.images.items():
            img = np.asarray(obs[key])
            if img.shape[-1] == 3:
                img = img.transpose(2, 0, 1)
            batch[f"observation.images.{name}"] = (torch.from_numpy(img.copy()).float() / 255.0)[None].to(self.device)
        batch["task"] = [str(obs.get("prompt", ""))]
        if self.pre:
            batch = self.pre(batch)
        with torch.inference_mode():
            chunk = self.policy.predict_action_chunk(batch)  # [1, horizon, dim]
        if self.post:
            chunk = self.post(chunk)
        return {"actions": chunk[0].detach().cpu().numpy().astype(np.float32)}


# ---- the server (openpi's websocket_policy_server loop) -----------------------------------
async def serve(policy, host, port):
    async def handler(ws):
        await ws.send(packb(policy.metadata))
        prev_total = None
        while True:
            try:
                t0 = time.monotonic()
                obs = unpackb(await ws.recv())
                t1 = time.monotonic()
                action = policy.infer(obs)
                action["server_timing"] = {"infer_ms": (time.monotonic() - t1) * 1000}
                if prev_total is not None:
                    action["server_timing"]["prev_total_ms"] = prev_total * 1000
                await ws.send(packb(action))
                prev_total = time.monotonic() - t0
            except websockets.ConnectionClosed:
                break
            except Exception:
                await ws.send(traceback.format_exc())
                await ws.close(code=1011, reason="Internal server error. Traceback included in previous frame.")
                break

    async with websockets.serve(handler, host, port, compression=None, max_size=None) as server:
        bound = server.sockets[0].getsockname()[1]
        print(f"serving on ws://{host}:{bound}", flush=True)
        await asyncio.Future()


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--checkpoint", help="pretrained_model folder saved by lerobot-train")
    p.add_argument("--lerobot", help="lerobot source checkout (its src/ goes first on sys.path)")
    p.add_argument("--device", default="cpu")
    p.add_argument("--image", action="append", default=[], help="studio observation key=lerobot camera name, e.g. images.front=front")
    p.add_argument("--fps", type=int, default=30, help="the dataset's fps (the rate the actions are played at)")
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=8000)
    p.add_argument("--stub", action="store_true", help="serve a policy that holds the state (no torch needed)")
    a = p.parse_args()
    if a.stub:
        policy = StubPolicy(fps=a.fps)
    else:
        if not a.checkpoint:
            p.error("--checkpoint is required (or --stub)")
        images = dict(kv.split("=", 1) for kv in a.image)
        policy = LerobotPolicy(a.checkpoint, a.lerobot, a.device, images, a.fps)
    asyncio.run(serve(policy, a.host, a.port))


if __name__ == "__main__":
    main()
