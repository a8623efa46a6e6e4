/** Composition of the rig: the bus worker, the page's own buses, the router, and teleoperation on both. */
import { TeleopController, TeleopService, type TeleopHost, type TeleopStatus } from "../control/index.ts";
import { connect, proxy, serve, transfer, type Endpoint, type Remote } from "../core/rpc.ts";
import { remoteReadBus, RigRouter, RigService, type RigEvent } from "../hardware/index.ts";
import type { RigStore } from "../state/index.ts";
import type { BusWorkerApi } from "./rig.worker.ts";

export interface RigParts {
  readonly router: RigRouter;
  readonly controller: TeleopController;
  /** The page's teleop host (buses the page runs itself). */
  readonly pageTeleop: TeleopService;
  /** Hooks the rig store in once it exists (emergency stops reach every connected bus). */
  bindStore(rig: RigStore): void;
}

function createBusWorker(): Worker | undefined {
  if (typeof Worker === "undefined") return undefined;
  try {
    return new Worker(new URL("./rig.worker.ts", import.meta.url), { type: "module", name: "bus" });
  } catch {
    return undefined; // e.g. a browser without module workers: run buses on the page
  }
}

export function createRig(useWorker: boolean): RigParts {
  const pageListeners = new Set<(e: RigEvent) => void>();
  const page = new RigService("main", (e) => pageListeners.forEach((fn) => fn(e)));
  const worker = useWorker ? createBusWorker() : undefined;
  const bus: Remote<BusWorkerApi> | undefined = worker
    ? connect<BusWorkerApi>(
        worker as unknown as Endpoint,
        worker,
        "The bus worker stopped unexpectedly. Reload the page to reconnect the arms.",
      )
    : undefined;
  const router = new RigRouter(page, bus, (fn) => pageListeners.add(fn), bus ? (fn) => void bus.onRigEvent(proxy(fn)) : undefined);
  if (bus) {
    // The page's own buses, for a loop in the worker whose leader runs on the page.
    const { port1, port2 } = new MessageChannel();
    serve(
      {
        syncRead: (key: string, register: string, ids: readonly number[]) => page.syncRead(key, register, ids),
        onRigEvent: (fn: (e: RigEvent) => void) => void pageListeners.add(fn),
      },
      port1 as unknown as Endpoint,
    );
    void bus.attachPageRig(transfer(port2, [port2]));
  }

  let rigStore: RigStore | undefined;
  const pageTeleop: TeleopService = new TeleopService({
    busOf: (key) => page.busOf(key),
    leaderBusOf: (key) => (page.has(key) ? page.busOf(key) : remoteReadBus(router.api(key), key, (fn) => router.onEvent(fn))),
    emit: (s) => controller.report(pageTeleop, s),
  });
  const workerTeleop: TeleopHost | undefined = bus
    ? {
        startTeleop: (req) => bus.startTeleop(req),
        stopTeleop: () => bus.stopTeleop(),
        estop: () => bus.estop(),
        setSource: (source) => bus.setSource(source),
        setTargets: (values) => bus.setTargets(values),
        playTrajectory: (t) => bus.playTrajectory(t),
        attachRemote: (options, inbox) => bus.attachRemote(options, inbox),
        offerRemote: (cmd) => bus.offerRemote(cmd),
        playChunk: (c) => bus.playChunk(c),
        handOver: () => bus.handOver(),
      }
    : undefined;
  const controller: TeleopController = new TeleopController({
    hostFor: (key) => (router.hostOf(key) === "worker" && workerTeleop ? workerTeleop : pageTeleop),
    hosts: () => (workerTeleop ? [workerTeleop, pageTeleop] : [pageTeleop]),
    torqueOffEverywhere: async () => {
      const buses = rigStore?.getState().buses ?? [];
      await Promise.all(
        buses
          .filter((b) => b.status === "connected" && b.motors.length > 0)
          .map((b) =>
            router
              .api(b.key)
              .syncWrite(
                b.key,
                "Torque_Enable",
                b.motors.map((m) => [m.id, 0] as const),
              )
              .catch(() => undefined),
          ),
      );
    },
  });
  if (bus && workerTeleop) void bus.onTeleopStatus(proxy((s: TeleopStatus) => controller.report(workerTeleop, s)));
  return {
    router,
    controller,
    pageTeleop,
    bindStore(rig) {
      rigStore = rig;
    },
  };
}
