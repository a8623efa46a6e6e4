/// <reference lib="webworker" />
/** The simulated camera's renderer in a worker (capture/SimulatedCameraRenderer.ts), served over the studio's one RPC. */
import { serve, transfer } from "../core/rpc.ts";
import { SimulatedCameraRenderer, type SimCameraApi } from "../capture/SimulatedCameraRenderer.ts";
import { realClock } from "../hardware/precisionTimer.ts";

const renderer = new SimulatedCameraRenderer(realClock, performance.timeOrigin);

const api: SimCameraApi = {
  start(options, onFrame) {
    renderer.start(options, (frame) => onFrame(transfer(frame, [frame])));
    return Promise.resolve();
  },
  setSample(source) {
    renderer.setSample(source);
    return Promise.resolve();
  },
};
serve(api);
