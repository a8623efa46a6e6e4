/// <reference lib="webworker" />
// The bus worker: hosts every bus that can run off the main thread and the control loop
// beside them, so servo I/O keeps its timing when the page is busy rendering.
import { TeleopService, type TeleopHost, type TeleopStatus } from "../control/index.ts";
import { connect, proxy, serve, type Endpoint } from "../core/rpc.ts";
import { createRigWorkerApi, remoteReadBus, type RigApi, type RigEvent, type RigWorkerApi } from "../hardware/index.ts";

/** What the page can call in this worker. */
export interface BusWorkerApi extends RigWorkerApi, TeleopHost {
  onTeleopStatus(fn: (s: TeleopStatus) => void): void;
  /** The page's own rig (buses it runs itself), for a loop here whose leader runs on the page. */
  attachPageRig(port: MessagePort): void;
}

const scope = self as unknown as DedicatedWorkerGlobalScope;
const serial = (scope.navigator as WorkerNavigator & { serial?: Serial }).serial;
const { api: rig, service } = createRigWorkerApi(serial ? () => serial.getPorts() : undefined);
const statusListeners = new Set<(s: TeleopStatus) => void>();
let pageRig: (Pick<RigApi, "syncRead"> & { onRigEvent(fn: (e: RigEvent) => void): void }) | undefined;
const pageListeners = new Set<(e: RigEvent) => void>();

const teleop = new TeleopService({
  busOf: (key) => service.busOf(key),
  leaderBusOf: (key) => {
    if (service.has(key) || !pageRig) return service.busOf(key);
    return remoteReadBus(pageRig, key, (fn) => {
      pageListeners.add(fn);
      return () => pageListeners.delete(fn);
    });
  },
  emit: (s) => statusListeners.forEach((fn) => fn(s)),
});

const api: BusWorkerApi = {
  ...rig,
  startTeleop: (req) => teleop.startTeleop(req),
  stopTeleop: () => teleop.stopTeleop(),
  estop: () => teleop.estop(),
  setSource: (source) => teleop.setSource(source),
  setTargets: (values) => teleop.setTargets(values),
  playTrajectory: (t) => teleop.playTrajectory(t),
  attachRemote: (options, inbox) => teleop.attachRemote(options, inbox),
  offerRemote: (cmd) => teleop.offerRemote(cmd),
  playChunk: (c) => teleop.playChunk(c),
  handOver: () => teleop.handOver(),
  onTeleopStatus(fn) {
    statusListeners.add(fn);
  },
  attachPageRig(port) {
    const remote = connect<Pick<RigApi, "syncRead"> & { onRigEvent(fn: (e: RigEvent) => void): void }>(port as unknown as Endpoint);
    pageRig = remote;
    void remote.onRigEvent(proxy((e: RigEvent) => pageListeners.forEach((fn) => fn(e))));
  },
};
serve(api);
