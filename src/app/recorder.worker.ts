/// <reference lib="webworker" />
/**
 * The recorder worker: camera frames in, encoded media and joint rows out to IndexedDB. Served
 * over the studio's one RPC (core/rpc.ts); the page connects in app/recorder.ts.
 */
import { serve } from "../core/rpc.ts";
import type { RecorderApi } from "../recording/recorderApi.ts";
import { RecorderHost } from "../recording/RecorderHost.ts";
import { VideoTakeCamera } from "../recording/VideoTakeCamera.ts";
import { IdbEpisodeStore } from "../storage/IdbEpisodeStore.ts";

// Served at once (calls that arrive while the database opens wait for it); a database that
// cannot open fails every call with its reason.
const host: Promise<RecorderHost> = IdbEpisodeStore.open().then(
  (store) => new RecorderHost({ store, createCamera: (options) => VideoTakeCamera.create(options) }),
);

const api: RecorderApi = {
  setPageOrigin: async (origin) => (await host).setPageOrigin(origin),
  setSample: async (source) => (await host).setSample(source),
  addCamera: async (key, stream, fps, pageClock) => (await host).addCamera(key, stream, fps, pageClock),
  removeCamera: async (key) => (await host).removeCamera(key),
  start: async (take) => (await host).start(take),
  stop: async () => (await host).stop(),
  discard: async () => (await host).discard(),
  onEvent: async (listener) => (await host).onEvent(listener),
};
serve(api);
