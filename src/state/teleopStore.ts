import { createStore, type StoreApi } from "zustand/vanilla";
import { allocateSampleBuffer, LatestSample } from "../core/LatestSample.ts";
import type { TeleopRequest, TeleopStatus } from "../control/index.ts";
import type { RigStore } from "./rigStore.ts";

/** Where the control loop can run: next to the buses (worker), or on the page. */
export interface TeleopHost {
  startTeleop(req: TeleopRequest): Promise<TeleopStatus>;
  stopTeleop(): Promise<void>;
  estop(): Promise<void>;
  setSource(source: "leader" | "manual"): Promise<void>;
  setTargets(values: number[]): Promise<void>;
}

export interface TeleopBackends {
  readonly worker: TeleopHost | undefined;
  readonly inline: TeleopHost;
}

export interface TeleopState {
  readonly status: TeleopStatus | undefined;
  /**
   * The loop's newest sample, shared with the loop when the page is cross-origin isolated
   * (read it every frame); undefined otherwise — then use `status.sample` (~10 Hz).
   */
  readonly shared: LatestSample | undefined;
  readonly error: string | undefined;
  readonly leaderId: string | undefined;
  readonly followerId: string | undefined;
  /** Control loop rate, 30–200 Hz. */
  readonly rateHz: number;
  setRate(hz: number): void;
  choose(leaderId: string | undefined, followerId: string | undefined): void;
  start(): Promise<void>;
  stop(): Promise<void>;
  /** Emergency stop: torque off on every follower, whatever is running. */
  estop(): Promise<void>;
  /** Status pushed by the host (~10 Hz). */
  report(status: TeleopStatus): void;
  /** Manual targets (normalised units), set by the keyboard and the sliders. */
  readonly targets: readonly number[];
  setSource(source: "leader" | "manual"): Promise<void>;
  /** Set one joint's manual target (switches to manual control). */
  setTarget(joint: number, value: number): void;
  /** Move one joint's manual target by `delta` (keyboard). */
  nudge(joint: number, delta: number): void;
}

export type TeleopStore = StoreApi<TeleopState>;

export function createTeleopStore(rig: RigStore, backends: TeleopBackends): TeleopStore {
  let running: TeleopHost | undefined;
  // At most one targets message in flight: the newest wins.
  let pending: number[] | undefined;
  let sending = false;
  const sendTargets = (targets: number[]) => {
    pending = targets;
    if (sending || !running) return;
    sending = true;
    const flush = async () => {
      while (pending && running) {
        const next = pending;
        pending = undefined;
        await running.setTargets(next).catch(() => undefined);
      }
      sending = false;
    };
    void flush();
  };
  return createStore<TeleopState>()((set, get) => ({
    status: undefined,
    shared: undefined,
    error: undefined,
    leaderId: undefined,
    followerId: undefined,
    rateHz: 100,

    setRate(hz) {
      set({ rateHz: Math.min(200, Math.max(30, Math.round(hz))) });
    },

    choose(leaderId, followerId) {
      set({ leaderId, followerId });
    },

    async start() {
      const { buses, profiles } = rig.getState();
      const pick = (role: "leader" | "follower", chosen: string | undefined) =>
        profiles.find((p) => p.id === chosen) ??
        profiles.find((p) => p.arm.endsWith(role) && buses.some((b) => b.key === p.id && b.status === "connected"));
      const leader = pick("leader", get().leaderId);
      const follower = pick("follower", get().followerId);
      const fail = (error: string) => set({ error });
      if (!leader || !follower) return fail("Connect a leader and a follower arm first (Rig screen).");
      const lb = buses.find((b) => b.key === leader.id && b.status === "connected");
      const fb = buses.find((b) => b.key === follower.id && b.status === "connected");
      if (!lb || !fb) return fail(`${!lb ? leader.name : follower.name} is not connected.`);
      if (!leader.calibration || !follower.calibration)
        return fail(`Calibrate ${!leader.calibration ? leader.name : follower.name} first.`);
      if (lb.info.host !== fb.info.host)
        return fail("The leader and follower run in different places (worker and page): reconnect them the same way.");
      const host = lb.info.host === "worker" && backends.worker ? backends.worker : backends.inline;
      set({ error: undefined, leaderId: leader.id, followerId: follower.id });
      try {
        await running?.stopTeleop();
        running = host;
        const joints = 6;
        const buffer = allocateSampleBuffer(joints);
        const shared =
          typeof SharedArrayBuffer !== "undefined" && buffer instanceof SharedArrayBuffer ? new LatestSample(buffer, joints) : undefined;
        set({ shared });
        const status = await host.startTeleop({
          sampleBuffer: buffer,
          options: { rateHz: get().rateHz },
          leader: { busKey: leader.id, arm: leader.arm, calibration: leader.calibration, body: leader.bodyNormMode },
          follower: { busKey: follower.id, arm: follower.arm, calibration: follower.calibration, body: follower.bodyNormMode },
        });
        set({ status });
      } catch (e) {
        fail(e instanceof Error ? e.message : String(e));
      }
    },

    async stop() {
      await running?.stopTeleop();
    },

    async estop() {
      const hosts = [backends.worker, backends.inline].filter((h): h is TeleopHost => h !== undefined);
      await Promise.all(hosts.map((h) => h.estop().catch(() => undefined)));
      // Torque off everywhere, loop or not.
      const { buses, api } = rig.getState();
      await Promise.all(
        buses
          .filter((b) => b.status === "connected" && b.motors.length > 0)
          .map((b) =>
            api(b.key)
              .syncWrite(
                b.key,
                "Torque_Enable",
                b.motors.map((m) => [m.id, 0] as const),
              )
              .catch(() => undefined),
          ),
      );
    },

    report(status) {
      set({ status });
    },

    targets: [],

    async setSource(source) {
      if (source === "manual") {
        // Start from where the follower is: switching never makes it jump.
        const s = get().status;
        const n = s?.joints.length ?? 0;
        set({ targets: s && s.sample.length >= 2 + 3 * n ? s.sample.slice(2 + n, 2 + 2 * n) : [] });
      }
      await running?.setSource(source);
    },

    setTarget(joint, value) {
      const targets = [...get().targets];
      if (targets.length === 0) return;
      const gripper = get().status?.joints[joint] === "gripper";
      targets[joint] = gripper ? Math.min(100, Math.max(0, value)) : Math.min(180, Math.max(-180, value));
      set({ targets });
      sendTargets(targets);
    },

    nudge(joint, delta) {
      const t = get().targets[joint];
      if (t === undefined || Number.isNaN(t)) return;
      get().setTarget(joint, t + delta);
    },
  }));
}
