import type { ArmId } from "../../core/robots.ts";
import type { ProtocolId } from "../../protocol/types.ts";
import type { SerialPortLike } from "../SerialPortLike.ts";
import type { RigWorkerApi } from "./rigWorker.ts";
import type { RigService } from "./RigService.ts";
import type { BusInfo, RigApi, RigEvent, SimConnectOptions } from "./types.ts";

/** Where a bus runs: in the bus worker, or on the page (a port the worker cannot see, or no worker). */
export type RigHost = "worker" | "page";

/** The bus worker as the page sees it (an rpc remote, or an in-process stand-in in tests). */
export type WorkerRig = Pick<RigWorkerApi, keyof RigApi | "connectSerial" | "onRigEvent">;

/**
 * The one place that decides where each bus runs and routes calls to it: the simulated rig and
 * every port the worker can open unambiguously go to the worker; the rest (two identical
 * adapters, a port injected into the page) run on the page through the same RigService code.
 */
export class RigRouter {
  private readonly hosts = new Map<string, RigHost>();
  private readonly listeners = new Set<(e: RigEvent) => void>();

  constructor(
    readonly page: RigService,
    readonly worker: WorkerRig | undefined,
    onPageEvent: (fn: (e: RigEvent) => void) => void,
    onWorkerEvent?: (fn: (e: RigEvent) => void) => void,
  ) {
    onPageEvent((e) => this.emit(e));
    onWorkerEvent?.((e) => this.emit(e));
  }

  private emit(e: RigEvent): void {
    for (const fn of this.listeners) fn(e);
  }

  onEvent(fn: (e: RigEvent) => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  hostOf(key: string): RigHost | undefined {
    return this.hosts.get(key);
  }

  /** The rig that runs `key`'s bus. */
  api(key: string): RigApi {
    const host = this.hosts.get(key);
    if (host === undefined) throw new RangeError(`No bus "${key}" is connected.`);
    return host === "worker" && this.worker ? this.worker : this.page;
  }

  async connectSim(key: string, arm: ArmId, options?: SimConnectOptions): Promise<BusInfo> {
    const host: RigHost = this.worker ? "worker" : "page";
    const info = await (host === "worker" ? this.worker! : this.page).connectSim(key, arm, options);
    this.hosts.set(key, host);
    return info;
  }

  /** A Web Serial port: opened by the worker when it can see it unambiguously, else on the page. */
  async connectPort(key: string, port: SerialPortLike, protocol: ProtocolId, baudRate: number, preferPage = false): Promise<BusInfo> {
    if (this.worker && !preferPage) {
      const i = port.getInfo();
      try {
        const info = await this.worker.connectSerial(key, { usbVendorId: i.usbVendorId, usbProductId: i.usbProductId, protocol, baudRate });
        this.hosts.set(key, "worker");
        return info;
      } catch {
        // the worker cannot reach this port: run it on the page
      }
    }
    const info = await this.page.connectPort(key, port, protocol, baudRate);
    this.hosts.set(key, "page");
    return info;
  }

  async disconnect(key: string): Promise<void> {
    const host = this.hosts.get(key);
    if (host === undefined) return;
    try {
      await this.api(key).disconnect(key);
    } finally {
      this.hosts.delete(key);
    }
  }
}
