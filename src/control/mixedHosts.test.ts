import { afterAll, describe, expect, it } from "vitest";
import { ManualClock } from "../core/clock.ts";
import { connect, proxy, serve, type Endpoint } from "../core/rpc.ts";
import { ARMS } from "../core/robots.ts";
import { createRigWorkerApi, remoteReadBus, RigService, type RigEvent, type RigWorkerApi } from "../hardware/index.ts";
import { readCalibrationFromMotors } from "./armRegisters.ts";
import { TeleopService, type TeleopStatus } from "./TeleopService.ts";

/**
 * A page-hosted follower (an injected port) with a worker-hosted leader: the loop runs where
 * the follower is and reads the leader through the worker's rig. Before the rig router this
 * combination was refused ("run in different places").
 */
const ports: MessagePort[] = [];
afterAll(() => ports.forEach((p) => p.close()));

describe("leader and follower on different hosts", () => {
  it("the page's loop tracks a leader that runs in the worker", async () => {
    const clock = new ManualClock(0);
    const { port1, port2 } = new MessageChannel();
    ports.push(port1, port2);
    const { api } = createRigWorkerApi(undefined, (emit) => new RigService("worker", emit, clock));
    serve(api, port2 as unknown as Endpoint);
    const worker = connect<RigWorkerApi>(port1 as unknown as Endpoint);
    const workerEvents = new Set<(e: RigEvent) => void>();
    await worker.onRigEvent(proxy((e: RigEvent) => workerEvents.forEach((fn) => fn(e))));
    const page = new RigService("main", () => undefined, clock);
    const run = async <T>(p: Promise<T>): Promise<T> => {
      let done = false;
      void p.then(
        () => (done = true),
        () => (done = true),
      );
      await clock.until(() => done, 2000, 0.5);
      return p;
    };
    await run(worker.connectSim("leader", "so101_leader"));
    await run(page.connectSim("follower", "so101_follower"));
    const leaderCal = await run(readCalibrationFromMotors(worker as unknown as RigService, "leader", ARMS.so101_leader));
    const followerCal = await run(readCalibrationFromMotors(page, "follower", ARMS.so101_follower));
    const statuses: TeleopStatus[] = [];
    const teleop = new TeleopService({
      clock,
      busOf: (key) => page.busOf(key),
      leaderBusOf: (key) =>
        page.has(key)
          ? page.busOf(key)
          : remoteReadBus(worker, key, (fn) => {
              workerEvents.add(fn);
              return () => workerEvents.delete(fn);
            }),
      emit: (s) => statuses.push(s),
    });
    await run(
      teleop.startTeleop({
        leader: { busKey: "leader", arm: "so101_leader", calibration: leaderCal, body: "degrees" },
        follower: { busKey: "follower", arm: "so101_follower", calibration: followerCal, body: "degrees" },
      }),
    );
    expect(await clock.until(() => statuses.at(-1)?.state === "tracking", 5000, 2)).toBe(true);
    await clock.until(() => false, 1000, 2);
    const last = statuses.at(-1)!;
    expect(last.state).toBe("tracking");
    expect(last.missingReads).toBe(0);
    expect(last.ticks).toBeGreaterThan(50);
    // The leader unplugged in the worker: the page's loop stops with a fault naming it.
    await run(worker.simulate("leader", { kind: "unplug" }));
    expect(await clock.until(() => statuses.at(-1)?.state === "fault", 500, 1)).toBe(true);
    expect(statuses.at(-1)!.reason).toMatch(/SO-101 leader/);
    await run(teleop.stopTeleop());
  });
});
