import { createStore, type StoreApi } from "zustand/vanilla";
import { selectArm } from "../core/robots.ts";
import type {
  ArmActivities,
  CommandSource,
  RemoteCommandIn,
  RemoteGateOptions,
  TeleopArmSpec,
  TeleopController,
  TeleopView,
} from "../control/index.ts";
import type { RobotProfile } from "../storage/index.ts";
import type { RigStore } from "./rigStore.ts";

/** The leader choice "none": drive the follower alone (keyboard, sliders, gamepad, 3D drag, replay). */
export const NO_LEADER = "none";

export interface TeleopState extends TeleopView {
  /** The chosen leader profile, NO_LEADER, or undefined for the first connected leader. */
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
  /** The source a start drives with (the radio buttons: usable before teleoperation runs). */
  readonly preferredSource: CommandSource;
  /** Chooses the command source: at once when running, else for the next start. */
  setSource(source: CommandSource): Promise<void>;
  /** Set one joint's manual target (held to its calibrated range). */
  setTarget(joint: number, value: number): void;
  /** Set several joints' targets at once (3D drag). */
  setTargets(values: ReadonlyMap<number, number>): void;
  /** Move one joint's manual target by `delta` (keyboard). */
  nudge(joint: number, delta: number): void;
  /** Opens (or with undefined closes) the gate for a remote operator's commands (remote teleoperation). */
  attachRemote(options: RemoteGateOptions | undefined): Promise<void>;
  /** A remote operator's command, to the loop host's gate. */
  offerRemote(cmd: RemoteCommandIn): void;
}

export type TeleopStore = StoreApi<TeleopState>;

function spec(p: RobotProfile): TeleopArmSpec | undefined {
  return p.calibration ? { busKey: p.id, arm: p.arm, calibration: p.calibration, body: p.bodyNormMode } : undefined;
}

/** The arms a Start would use now: the chosen ones, else the first connected of each role (no leader is fine). */
export function teleopArms(rig: RigStore, leaderId: string | undefined, followerId: string | undefined) {
  const { buses, profiles } = rig.getState();
  const connected = (id: string) => buses.some((b) => b.key === id && b.status === "connected");
  const follower = selectArm("follower", profiles, connected, followerId);
  const leader = leaderId === NO_LEADER ? undefined : selectArm("leader", profiles, connected, leaderId);
  return { leader, follower, connected };
}

/** Binds the page's TeleopController to React, and turns the Rig's profiles into what a start needs. */
export function createTeleopStore(rig: RigStore, controller: TeleopController, activities?: ArmActivities): TeleopStore {
  const store = createStore<TeleopState>()((set, get) => ({
    ...controller.snapshot,
    leaderId: undefined,
    followerId: undefined,
    rateHz: 100,
    preferredSource: "leader",

    setRate(hz) {
      set({ rateHz: Math.min(200, Math.max(30, Math.round(hz))) });
    },

    choose(leaderId, followerId) {
      set({ leaderId, followerId });
    },

    async start() {
      const { leader, follower, connected } = teleopArms(rig, get().leaderId, get().followerId);
      const fail = (error: string) => controller.fail(error);
      if (!follower) return fail("Connect a follower arm first (Rig screen).");
      if (!connected(follower.id)) return fail(`${follower.name} is not connected.`);
      const f = spec(follower);
      if (!f) return fail(`Calibrate ${follower.name} first (Rig screen → Calibrate).`);
      // A chosen leader must be ready; the first connected one is used only if it is.
      const chosenLeader = get().leaderId !== undefined && get().leaderId !== NO_LEADER;
      const l = leader && connected(leader.id) ? spec(leader) : undefined;
      if (chosenLeader && !l) {
        return fail(
          leader
            ? `${leader.name} is ${connected(leader.id) ? "not calibrated" : "not connected"}: choose "no leader" to drive the follower alone.`
            : "The chosen leader is gone.",
        );
      }
      // The calibration wizard holds its arm: nothing drives it meanwhile.
      const name = (key: string) => rig.getState().profiles.find((p) => p.id === key)?.name ?? key;
      const held = activities?.driveRefusal([f.busKey, ...(l ? [l.busKey] : [])], name);
      if (held) return fail(held);
      await controller.start({ ...(l ? { leader: l } : {}), follower: f, rateHz: get().rateHz });
      // The source chosen before the start (with no leader the loop drives from targets anyway).
      if (l && get().preferredSource !== "leader" && get().status?.source !== get().preferredSource)
        await controller.setSource(get().preferredSource);
    },

    stop: () => controller.stop(),
    estop: () => controller.estop(),
    setSource: async (source) => {
      set({ preferredSource: source });
      const state = get().status?.state;
      if (state === "gating" || state === "tracking") await controller.setSource(source);
    },
    setTarget: (joint, value) => controller.setTarget(joint, value),
    setTargets: (values) => controller.setTargets(values),
    nudge: (joint, delta) => controller.nudge(joint, delta),
    attachRemote: (options) => controller.attachRemote(options),
    offerRemote: (cmd) => controller.offerRemote(cmd),
  }));
  controller.subscribe((view) => store.setState(view));
  return store;
}
