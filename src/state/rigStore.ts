import { createStore, type StoreApi } from "zustand/vanilla";
import type { ArmId } from "../core/robots.ts";
import { ArmActivities, type CalibrationSession, type MotorSetupSession } from "../control/index.ts";
import type { BusInfo, FoundMotor, RigApi, RigEvent, RigRouter, SerialPortLike, SimCommand, SimState } from "../hardware/index.ts";
import type { ProfileStore, RobotProfile, UserUrdf } from "../storage/index.ts";
import type { NoticeSeverity, ProblemsStore } from "./problemsStore.ts";
import { busesSlice } from "./rig/buses.ts";
import { profilesSlice } from "./rig/profiles.ts";
import { sessionsSlice } from "./rig/sessions.ts";

export type BusStatus = "connected" | "lost" | "closed";

export interface BusEntry {
  readonly key: string;
  readonly info: BusInfo;
  readonly status: BusStatus;
  /** The robot profile this bus carries (undefined: a bare bus, e.g. the motor-setup bench). */
  readonly profileId: string | undefined;
  readonly arm: ArmId | undefined;
  readonly motors: readonly FoundMotor[];
  readonly scanning: boolean;
  /** What the last scan found: a problem to act on, or (ok) that every motor answered. */
  readonly lastScan: { readonly note: string; readonly ok: boolean } | undefined;
}

export type SerialLike = {
  requestPort(): Promise<SerialPortLike>;
  getPorts(): Promise<SerialPortLike[]>;
  addEventListener(type: "connect", listener: (ev: Event) => void): void;
};

/** The rig as the app wires it: where buses run, where profiles live, how ports are found. */
export interface RigBackends {
  readonly router: RigRouter;
  /** Web Serial (navigator.serial, or the injected fake), or undefined without it. */
  readonly serial: SerialLike | undefined;
  readonly profiles: ProfileStore;
  readonly problems: ProblemsStore;
  /** What drives which arm now (teleop, recording, replay): writes to a driven arm are refused. Default: none drives. */
  readonly activities?: ArmActivities;
  readonly now?: () => number;
  readonly newId?: () => string;
}

export type SimRigKind = "so101" | "koch";

export interface RigState {
  readonly profiles: readonly RobotProfile[];
  readonly buses: readonly BusEntry[];
  readonly busy: string | undefined;
  readonly calibration: { readonly profileId: string; readonly session: CalibrationSession } | undefined;
  readonly setup: { readonly busKey: string; readonly session: MotorSetupSession } | undefined;

  loadProfiles(): Promise<void>;
  connectSimulatedRig(kind?: SimRigKind): Promise<void>;
  connectRealArm(arm: ArmId, name: string, baudRate: number): Promise<void>;
  /** Reconnect remembered arms whose port is present (at start, and when a port is plugged in). */
  reconnectKnownPorts(): Promise<void>;
  disconnect(key: string): Promise<void>;
  renameProfile(id: string, name: string): Promise<void>;
  /** Units of body joints in teleop and datasets: degrees (current lerobot) or −100..100. */
  setBodyNormMode(id: string, mode: "degrees" | "range_m100_100"): Promise<void>;
  /** The user's own URDF (with meshes) for this profile's 3D view; undefined: the built-in one. */
  setProfileUrdf(id: string, urdf: UserUrdf | undefined): Promise<void>;
  deleteProfile(id: string): Promise<void>;
  scan(key: string, baudRates?: readonly number[]): Promise<void>;
  readRegister(key: string, id: number, register: string): Promise<number>;
  writeRegister(key: string, id: number, register: string, value: number): Promise<void>;
  simulate(key: string, command: SimCommand): Promise<SimState>;
  startCalibration(profileId: string): CalibrationSession | undefined;
  /** Store the session's result in the profile (after session.save()). */
  saveCalibration(): Promise<void>;
  closeCalibration(): Promise<void>;
  importCalibration(profileId: string, text: string): Promise<readonly string[]>;
  exportCalibration(profileId: string): { filename: string; text: string } | undefined;
  startMotorSetup(arm: ArmId, simulated: boolean): Promise<void>;
  closeMotorSetup(): Promise<void>;
  /** Configure a profile's reconnected arm and write its calibration again. */
  reconfigure(key: string): Promise<void>;
  api(key: string): RigApi;
}

export type RigStore = StoreApi<RigState>;

/** What every slice of the rig store shares. */
export interface RigContext {
  readonly set: (partial: Partial<RigState> | ((s: RigState) => Partial<RigState>)) => void;
  readonly get: () => RigState;
  readonly backends: RigBackends;
  readonly activities: ArmActivities;
  readonly report: (severity: NoticeSeverity, message: string, key?: string) => number;
  readonly now: () => number;
  readonly newId: () => string;
  /** The port each real bus was opened on. */
  readonly portOf: Map<string, SerialPortLike>;
  readonly profile: (id: string) => RobotProfile | undefined;
  /** One change at a time per profile, each applied to the newest copy. */
  readonly updateProfile: (id: string, change: (p: RobotProfile) => RobotProfile) => Promise<void>;
  readonly saveProfile: (p: RobotProfile) => Promise<void>;
  readonly addBus: (info: BusInfo, profileId: string | undefined, arm: ArmId | undefined) => void;
  readonly prepareArm: (p: RobotProfile) => Promise<void>;
}

export function simProfileId(arm: ArmId): string {
  return `sim-${arm}`;
}

/**
 * The rig as React sees it: connected buses, robot profiles, and the calibration or motor-setup
 * session running. The engines underneath (the rig router, the profile store, the sessions) do
 * the work; problems go to the shared notices list.
 */
export function createRigStore(backends: RigBackends): RigStore {
  const store = createStore<RigState>()((set, get) => {
    const base = {
      set,
      get,
      backends,
      activities: backends.activities ?? new ArmActivities(),
      report: (severity: NoticeSeverity, message: string, key?: string) => backends.problems.getState().report(severity, message, key),
      now: backends.now ?? (() => Date.now()),
      newId: backends.newId ?? (() => crypto.randomUUID()),
      portOf: new Map<string, SerialPortLike>(),
    };
    const profiles = profilesSlice(base);
    const buses = busesSlice({ ...base, ...profiles.internal });
    const ctx: RigContext = { ...base, ...profiles.internal, ...buses.internal };
    return {
      profiles: [],
      buses: [],
      busy: undefined,
      calibration: undefined,
      setup: undefined,
      ...profiles.actions,
      ...buses.actions,
      ...sessionsSlice(ctx),
    };
  });
  const onEvent = (e: RigEvent) => {
    if (e.kind === "reconnected") {
      store.setState((s) => ({ buses: s.buses.map((b) => (b.key === e.key ? { ...b, status: "connected" as const } : b)) }));
      backends.problems.getState().resolve(`bus:${e.key}`);
      void store.getState().reconfigure(e.key);
    }
    if (e.kind === "lost") {
      store.setState((s) => ({ buses: s.buses.map((b) => (b.key === e.key ? { ...b, status: "lost" as const } : b)) }));
      backends.problems.getState().report("error", e.message, `bus:${e.key}`);
    }
  };
  backends.router.onEvent(onEvent);
  backends.serial?.addEventListener("connect", () => void store.getState().reconnectKnownPorts());
  return store;
}
