import type { CodecName } from "../capture/codecs.ts";
import type { RecorderCall, RecorderEvent, RecorderRequest, SampleSource, TakeOutcome, TakeSpec } from "./recorderProtocol.ts";

export class RecorderError extends Error {
  constructor(
    message: string,
    readonly code?: string,
  ) {
    super(message);
    this.name = "RecorderError";
  }
}

type Port = Pick<Worker, "postMessage" | "addEventListener">;

/** Page side of the recorder worker: typed calls, replies as promises, events to listeners. */
export class RecorderClient {
  private nextId = 1;
  private readonly pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  private readonly listeners = new Set<(e: RecorderEvent) => void>();

  constructor(private readonly port: Port) {
    port.addEventListener("message", (e: MessageEvent<RecorderEvent>) => this.receive(e.data));
    void this.call({ type: "init", pageOrigin: performance.timeOrigin });
  }

  on(listener: (e: RecorderEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  setSample(source: SampleSource | null): Promise<void> {
    return this.call({ type: "sample", source }).then(() => undefined);
  }

  /** Hands a camera's frames to the recorder (the stream is transferred). */
  /** `pageClock`: the frames' timestamps already are the page's performance.now() in µs (simulated cameras). */
  addCamera(key: string, stream: ReadableStream<VideoFrame>, fps: number, pageClock = false): Promise<void> {
    return this.call({ type: "addCamera", key, stream, fps, pageClock }, [stream as unknown as Transferable]).then(() => undefined);
  }

  removeCamera(key: string): Promise<void> {
    return this.call({ type: "removeCamera", key }).then(() => undefined);
  }

  start(take: TakeSpec): Promise<void> {
    return this.call({ type: "start", take }).then(() => undefined);
  }

  stop(): Promise<TakeOutcome> {
    return this.call({ type: "stop" }) as Promise<TakeOutcome>;
  }

  discard(): Promise<void> {
    return this.call({ type: "discard" }).then(() => undefined);
  }

  private call(request: RecorderRequest, transfer: Transferable[] = []): Promise<unknown> {
    const id = this.nextId++;
    const msg = { ...request, id } as RecorderCall;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.port.postMessage(msg, transfer);
    });
  }

  private receive(e: RecorderEvent): void {
    if (e.type === "reply") {
      const p = this.pending.get(e.id);
      if (!p) return;
      this.pending.delete(e.id);
      if (e.ok) p.resolve(e.value);
      else p.reject(new RecorderError(e.error, e.code));
      return;
    }
    for (const l of this.listeners) l(e);
  }
}

export type { CodecName };
