/** The page's side of the recorder worker (app/recorder.worker.ts), over the studio's one RPC. */
import { connect, proxy, transfer, type Endpoint } from "../core/rpc.ts";
import type { RecorderApi, RecorderEvent } from "../recording/recorderApi.ts";

/**
 * Starts the recorder worker and returns its API as the page's engines use it: camera streams
 * are transferred (not copied), events reach every listener through one proxied callback, and a
 * worker that died fails every call with a message for the user.
 */
export function createRecorder(): RecorderApi {
  const worker = new Worker(new URL("./recorder.worker.ts", import.meta.url), { type: "module", name: "recorder" });
  const remote = connect<RecorderApi>(
    worker as unknown as Endpoint,
    worker,
    "The recorder stopped unexpectedly. Reload the page; takes stored so far are kept (an interrupted one is recovered).",
  );
  const listeners = new Set<(e: RecorderEvent) => void>();
  const ready = Promise.all([
    remote.setPageOrigin(performance.timeOrigin),
    remote.onEvent(proxy((e: RecorderEvent) => listeners.forEach((fn) => fn(e)))),
  ]);
  ready.catch(() => undefined); // the same failure reaches every later call
  return {
    setPageOrigin: (origin) => remote.setPageOrigin(origin),
    setSample: (source) => remote.setSample(source),
    addCamera: (key, stream, fps, pageClock) =>
      remote.addCamera(key, transfer(stream, [stream as unknown as Transferable]), fps, pageClock),
    removeCamera: (key) => remote.removeCamera(key),
    start: (take) => remote.start(take),
    stop: () => remote.stop(),
    discard: () => remote.discard(),
    onEvent: (listener) => {
      listeners.add(listener);
      return Promise.resolve();
    },
  };
}
