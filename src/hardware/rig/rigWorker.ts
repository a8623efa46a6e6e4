import type { SerialPortLike } from "../SerialPortLike.ts";
import { RigService, toErrorInfo } from "./RigService.ts";
import type { BusInfo, RigApi, RigEvent, SerialPortRequest } from "./types.ts";

/** What the bus worker serves (over core/rpc.ts): the rig, a port looked up in the worker, and its events. */
export interface RigWorkerApi extends RigApi {
  /** Opens the one port the worker sees with these USB ids (it refuses when it sees none or several). */
  connectSerial(key: string, request: SerialPortRequest): Promise<BusInfo>;
  /** Rig events (a lost or reconnected bus); `fn` is an rpc proxy. */
  onRigEvent(fn: (e: RigEvent) => void): void;
}

/**
 * The worker side of the rig: a RigService for every bus the worker can reach. `getPorts` lists
 * the ports this origin may use (navigator.serial.getPorts() inside the worker).
 */
export function createRigWorkerApi(
  getPorts: (() => Promise<SerialPortLike[]>) | undefined,
  service?: (emit: (e: RigEvent) => void) => RigService,
): { api: RigWorkerApi; service: RigService } {
  const listeners = new Set<(e: RigEvent) => void>();
  const emit = (e: RigEvent) => {
    for (const fn of listeners) fn(e);
  };
  const rig = service ? service(emit) : new RigService("worker", emit);
  const opened = new WeakSet<SerialPortLike>();
  const plain: RigWorkerApi = {
    connectSim: (...a) => rig.connectSim(...a),
    async connectSerial(key, req) {
      if (getPorts === undefined) throw new RangeError("Web Serial is not available in this worker.");
      const ports = (await getPorts()).filter((p) => {
        const i = p.getInfo();
        return i.usbVendorId === req.usbVendorId && i.usbProductId === req.usbProductId && !opened.has(p);
      });
      if (ports.length !== 1) throw new RangeError(`The worker sees ${ports.length} matching ports; the page will run this bus itself.`);
      const port = ports[0]!;
      const info = await rig.connectPort(key, port, req.protocol, req.baudRate);
      opened.add(port);
      return info;
    },
    disconnect: (...a) => rig.disconnect(...a),
    scan: (...a) => rig.scan(...a),
    read: (...a) => rig.read(...a),
    readBytes: (...a) => rig.readBytes(...a),
    write: (...a) => rig.write(...a),
    syncRead: (...a) => rig.syncRead(...a),
    syncWrite: (...a) => rig.syncWrite(...a),
    telemetry: (...a) => rig.telemetry(...a),
    stats: (...a) => rig.stats(...a),
    simulate: (...a) => rig.simulate(...a),
    onRigEvent(fn) {
      listeners.add(fn);
    },
  };
  // Errors leave the worker with the code the page would have seen inline (toErrorInfo).
  const api = Object.fromEntries(
    Object.entries(plain).map(([name, fn]) => [
      name,
      async (...args: unknown[]) => {
        try {
          return await (fn as (...a: unknown[]) => unknown)(...args);
        } catch (e) {
          const info = toErrorInfo(e);
          throw Object.assign(new Error(info.message), { name: info.name, code: info.code });
        }
      },
    ]),
  ) as unknown as RigWorkerApi;
  return { api, service: rig };
}
