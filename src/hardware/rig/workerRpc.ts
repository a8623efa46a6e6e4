import type { SerialPortLike } from "../SerialPortLike.ts";
import { RigService, toErrorInfo } from "./RigService.ts";
import type { BusInfo, ErrorInfo, RigApi, RigEvent, SerialPortRequest } from "./types.ts";

/** Methods callable over the worker boundary: the RigApi plus connectSerial (port looked up in the worker). */
export interface RigWorkerApi extends RigApi {
  connectSerial(key: string, request: SerialPortRequest): Promise<BusInfo>;
}

type Method = keyof RigWorkerApi | string;

/** Extra services a worker hosts beside the rig (e.g. the control loop), by method name. */
export type ExtraHandlers = Readonly<Record<string, (...args: never[]) => Promise<unknown>>>;

type Request = { readonly call: number; readonly method: Method; readonly args: unknown[] };
type Reply =
  | { readonly call: number; readonly ok: true; readonly value: unknown }
  | { readonly call: number; readonly ok: false; readonly error: ErrorInfo };
type Message = Reply | { readonly event: RigEvent };

/** The minimal Worker surface the client needs (a real Worker, or an in-process stand-in). */
export interface WorkerLike {
  postMessage(message: unknown): void;
  addEventListener(type: "message", listener: (ev: MessageEvent) => void): void;
  addEventListener(type: "error", listener: (ev: Event) => void): void;
  terminate(): void;
}

/** An error that came back from the rig: same code and message as thrown there. */
export class RigCallError extends Error {
  constructor(readonly info: ErrorInfo) {
    super(info.message);
    this.name = info.name;
  }
  get code(): ErrorInfo["code"] {
    return this.info.code;
  }
}

/** Main-thread side: each method posts a request and awaits its reply. */
export class WorkerRigClient implements RigWorkerApi {
  private next = 1;
  private readonly calls = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  private readonly listeners = new Set<(e: RigEvent) => void>();
  private dead: Error | undefined;

  constructor(private readonly worker: WorkerLike) {
    worker.addEventListener("message", (ev: MessageEvent) => this.onMessage(ev.data as Message));
    worker.addEventListener("error", () => {
      this.dead = new Error("The bus worker stopped unexpectedly. Reload the page to reconnect.");
      for (const c of this.calls.values()) c.reject(this.dead);
      this.calls.clear();
    });
  }

  onEvent(fn: (e: RigEvent) => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  private onMessage(msg: Message): void {
    if ("event" in msg) {
      for (const fn of this.listeners) fn(msg.event);
      return;
    }
    const call = this.calls.get(msg.call);
    if (!call) return;
    this.calls.delete(msg.call);
    if (msg.ok) call.resolve(msg.value);
    else call.reject(new RigCallError(msg.error));
  }

  /** Call a method of an extra service hosted in the worker. */
  call<T>(method: string, ...args: unknown[]): Promise<T> {
    return this.invoke<T>(method, ...args);
  }

  private invoke<T>(method: Method, ...args: unknown[]): Promise<T> {
    if (this.dead) return Promise.reject(this.dead);
    const call = this.next++;
    return new Promise<T>((resolve, reject) => {
      this.calls.set(call, { resolve: resolve as (v: unknown) => void, reject });
      this.worker.postMessage({ call, method, args } satisfies Request);
    });
  }

  connectSim: RigWorkerApi["connectSim"] = (...a) => this.invoke("connectSim", ...a);
  connectSerial: RigWorkerApi["connectSerial"] = (...a) => this.invoke("connectSerial", ...a);
  disconnect: RigWorkerApi["disconnect"] = (...a) => this.invoke("disconnect", ...a);
  scan: RigWorkerApi["scan"] = (...a) => this.invoke("scan", ...a);
  read: RigWorkerApi["read"] = (...a) => this.invoke("read", ...a);
  readBytes: RigWorkerApi["readBytes"] = (...a) => this.invoke("readBytes", ...a);
  write: RigWorkerApi["write"] = (...a) => this.invoke("write", ...a);
  syncRead: RigWorkerApi["syncRead"] = (...a) => this.invoke("syncRead", ...a);
  syncWrite: RigWorkerApi["syncWrite"] = (...a) => this.invoke("syncWrite", ...a);
  telemetry: RigWorkerApi["telemetry"] = (...a) => this.invoke("telemetry", ...a);
  stats: RigWorkerApi["stats"] = (...a) => this.invoke("stats", ...a);
  simulate: RigWorkerApi["simulate"] = (...a) => this.invoke("simulate", ...a);

  terminate(): void {
    this.worker.terminate();
  }
}

/** The scope a worker runs in (DedicatedWorkerGlobalScope, or a stand-in in tests). */
export interface WorkerScopeLike {
  postMessage(message: unknown): void;
  addEventListener(type: "message", listener: (ev: MessageEvent) => void): void;
}

/**
 * Worker side: host a RigService and answer requests. `getPorts` looks up the
 * ports this origin may use (navigator.serial.getPorts() inside the worker).
 */
export function serveRig(
  scope: WorkerScopeLike,
  getPorts: (() => Promise<SerialPortLike[]>) | undefined,
  extras: (service: RigService, emit: (event: RigEvent) => void) => ExtraHandlers = () => ({}),
): RigService {
  const emit = (event: RigEvent) => scope.postMessage({ event } satisfies Message);
  const service = new RigService("worker", emit);
  const opened = new WeakSet<SerialPortLike>();
  const api: RigWorkerApi = {
    connectSim: (...a) => service.connectSim(...a),
    async connectSerial(key, req) {
      if (getPorts === undefined) throw new RangeError("Web Serial is not available in this worker.");
      const ports = (await getPorts()).filter((p) => {
        const i = p.getInfo();
        return i.usbVendorId === req.usbVendorId && i.usbProductId === req.usbProductId && !opened.has(p);
      });
      if (ports.length !== 1) {
        throw new RangeError(`The worker sees ${ports.length} matching ports; the page will run this bus itself.`);
      }
      const port = ports[0]!;
      const info = await service.connectPort(key, port, req.protocol, req.baudRate);
      opened.add(port);
      return info;
    },
    disconnect: (...a) => service.disconnect(...a),
    scan: (...a) => service.scan(...a),
    read: (...a) => service.read(...a),
    readBytes: (...a) => service.readBytes(...a),
    write: (...a) => service.write(...a),
    syncRead: (...a) => service.syncRead(...a),
    syncWrite: (...a) => service.syncWrite(...a),
    telemetry: (...a) => service.telemetry(...a),
    stats: (...a) => service.stats(...a),
    simulate: (...a) => service.simulate(...a),
  };
  const handlers: Record<string, unknown> = { ...extras(service, emit), ...api };
  scope.addEventListener("message", (ev: MessageEvent) => {
    const req = ev.data as Request;
    const fn = handlers[req.method] as ((...args: unknown[]) => Promise<unknown>) | undefined;
    if (typeof fn !== "function") {
      scope.postMessage({
        call: req.call,
        ok: false,
        error: { name: "TypeError", code: "invalid", message: `Unknown method ${String(req.method)}` },
      } satisfies Reply);
      return;
    }
    fn(...req.args).then(
      (value) => scope.postMessage({ call: req.call, ok: true, value } satisfies Reply),
      (e: unknown) => scope.postMessage({ call: req.call, ok: false, error: toErrorInfo(e) } satisfies Reply),
    );
  });
  return service;
}
