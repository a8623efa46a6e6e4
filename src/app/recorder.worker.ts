/// <reference lib="webworker" />
/**
 * The recorder worker: camera frames in, encoded media and joint rows out to IndexedDB.
 * The page talks to it through RecorderClient (recording/RecorderClient.ts).
 */
import { RecorderHost } from "../recording/RecorderHost.ts";
import type { RecorderCall, RecorderEvent } from "../recording/recorderProtocol.ts";
import { IdbEpisodeStore } from "../storage/IdbEpisodeStore.ts";

declare const self: DedicatedWorkerGlobalScope;

const queue: RecorderCall[] = [];
let host: RecorderHost | undefined;
const emit = (event: RecorderEvent, transfer: Transferable[] = []) => self.postMessage(event, transfer);

self.onmessage = (e: MessageEvent<RecorderCall>) => {
  if (host) void host.handle(e.data);
  else queue.push(e.data);
};

IdbEpisodeStore.open()
  .then((store) => {
    host = new RecorderHost(store, emit);
    for (const call of queue.splice(0)) void host.handle(call);
  })
  .catch((e: unknown) => {
    const message = e instanceof Error ? e.message : String(e);
    for (const call of queue.splice(0)) emit({ type: "reply", id: call.id, ok: false, error: message });
    self.onmessage = (ev: MessageEvent<RecorderCall>) => emit({ type: "reply", id: ev.data.id, ok: false, error: message });
  });
