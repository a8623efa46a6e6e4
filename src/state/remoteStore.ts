import { createStore, type StoreApi } from "zustand/vanilla";
import type { Clock } from "../core/clock.ts";
import { SampleFrame } from "../core/LatestSample.ts";
import { isDriving, type RemoteGateOptions } from "../control/index.ts";
import type { RecordKey, TakeInfo } from "../protocol/remoteWire.ts";
import { parseIceServers } from "../remote/iceServers.ts";
import { RemoteOperator, type OperatorConnector, type OperatorSnapshot } from "../remote/RemoteOperator.ts";
import { RemoteStation, type StationConnector, type StationPorts, type StationSnapshot } from "../remote/RemoteStation.ts";
import type { CameraStore } from "./cameraStore.ts";
import { OperatorLeader, type OperatorLeaderView } from "./remoteLeader.ts";
import type { RigStore } from "./rigStore.ts";
import type { RecordingStore } from "./recordingStore.ts";
import type { TeleopStore } from "./teleopStore.ts";

export type { OperatorLeaderView, OperatorSnapshot, StationSnapshot };

export interface RemoteState {
  readonly station: StationSnapshot;
  readonly operator: OperatorSnapshot;
  /** The operator's engine (its newest state is read every frame, not through React state). */
  readonly operatorEngine: RemoteOperator;
  readonly gate: RemoteGateOptions;
  /** STUN/TURN servers, one a line (see remote/iceServers.ts); used by the next connection. */
  readonly iceText: string;
  readonly iceError: string | undefined;
  setIce(text: string): void;
  share(): void;
  endShare(): void;
  takeOver(): Promise<void>;
  handBack(): void;
  join(code: string): void;
  leave(): void;
  /** The operator's own leader arm as the command source (true), or the keyboard, sliders and 3D drag (false). */
  readonly leader: OperatorLeaderView;
  useLeader(on: boolean): void;
  /** The leader a "use my leader" would read now (its name), if one is ready. */
  leaderAvailable(): string | undefined;
}

export type RemoteStore = StoreApi<RemoteState>;

export interface RemoteBackends {
  readonly teleop: TeleopStore;
  /** The operator's own arms (its leader can drive the station). */
  readonly rig: RigStore;
  readonly recording: RecordingStore;
  readonly cameras: CameraStore;
  /** The app picks the connectors (WebRTC through the signaling server, with the STUN/TURN settings). */
  readonly stationConnector: StationConnector;
  readonly operatorConnector: OperatorConnector;
  readonly gate: RemoteGateOptions;
  /** The follower's kind (its twin at the operator). */
  readonly robot: () => string;
  /** Where the STUN/TURN text is kept (the app: localStorage). */
  readonly ice: { load(): string; save(text: string): void };
  readonly clock: Clock;
  readonly pageTimeOrigin?: number;
}

/** The recording session's keys, as the operator presses them. */
async function pressKey(recording: RecordingStore, key: RecordKey): Promise<void> {
  const r = recording.getState();
  switch (key) {
    case "start":
      return r.start();
    case "next":
      return r.next();
    case "rerecord":
      return r.rerecord();
    case "discard":
      return r.discardLast();
    case "stop":
      return r.stop();
  }
}

function takeInfo(recording: RecordingStore, now: number): TakeInfo {
  const r = recording.getState();
  return {
    phase: r.phase,
    episode: r.kept,
    // Whole seconds: the station pushes the take state when it changes, about once a second at most.
    elapsedMs: r.phaseEndsAt === undefined ? 0 : Math.max(0, Math.round((r.phaseEndsAt - now) / 1000) * 1000),
    message: r.error ?? (r.lastTake ? `last take: ${r.lastTake.discarded ? "discarded" : "kept"}` : ""),
    qa: (r.lastTake?.qa ?? []).map((f) => f.message),
  };
}

/** The station's studio, as the remote session sees it: the teleop, recording and camera stores. */
function stationPorts(b: RemoteBackends): StationPorts {
  const pageOrigin = b.pageTimeOrigin ?? performance.timeOrigin;
  const { teleop } = b;
  return {
    name: "Robot Studio station",
    info: () => {
      const s = teleop.getState().status;
      return {
        robot: b.robot(),
        joints: s?.joints ?? [],
        ranges: (s?.ranges ?? []).map((r) => [r.min, r.max] as const),
        rateHz: teleop.getState().rateHz,
        cameras: b.cameras.getState().cameras.map((c) => c.key),
      };
    },
    sample: () => {
      const { status, shared } = teleop.getState();
      if (!status || status.joints.length === 0) return undefined;
      const n = status.joints.length;
      const frame = new SampleFrame(n);
      const fresh = shared?.read(frame) ?? false;
      const f = fresh ? frame : SampleFrame.fromArray(status.sample, n);
      if (!f) return undefined;
      const shift = status.clockOriginMs - pageOrigin;
      const gate = status.remote
        ? { ...status.remote, appliedAt: status.remote.appliedAt + shift, holdSince: status.remote.holdSince + shift }
        : undefined;
      return { t: f.t + shift, follower: f.follower, command: f.command, loop: status.state, source: status.source, gate };
    },
    attach: (o) => teleop.getState().attachRemote(o),
    offer: (cmd) => teleop.getState().offerRemote(cmd),
    drive: async () => {
      if (!isDriving(teleop.getState().status)) await teleop.getState().start();
      const { status, error } = teleop.getState();
      if (!isDriving(status)) throw new Error(error ?? "The station could not start teleoperation.");
      await teleop.getState().setSource("remote");
    },
    takeOver: async () => {
      if (teleop.getState().status?.source === "remote") await teleop.getState().setSource("manual");
    },
    estop: () => teleop.getState().estop(),
    recordKey: (key) => pressKey(b.recording, key),
    take: () => takeInfo(b.recording, b.clock.now()),
  };
}

/** Binds the station's and the operator's remote sessions (src/remote) to React. */
export function createRemoteStore(b: RemoteBackends): RemoteStore {
  const station = new RemoteStation({
    clock: b.clock,
    ports: stationPorts(b),
    connector: b.stationConnector,
    gate: b.gate,
    timeOrigin: b.pageTimeOrigin ?? performance.timeOrigin,
  });
  const operator = new RemoteOperator({ clock: b.clock, connector: b.operatorConnector });
  const leader = new OperatorLeader({ rig: b.rig, teleop: b.teleop, clock: b.clock, operator }, (view) => store.setState({ leader: view }));
  const store = createStore<RemoteState>()(() => ({
    station: station.snapshot,
    operator: operator.snapshot,
    operatorEngine: operator,
    gate: b.gate,
    iceText: b.ice.load(),
    iceError: parseIceServers(b.ice.load()).error,
    setIce: (text) => {
      const { error } = parseIceServers(text);
      if (!error) b.ice.save(text);
      store.setState({ iceText: text, iceError: error });
    },
    share: () => station.open(),
    endShare: () => station.close(),
    takeOver: () => station.takeOver(),
    handBack: () => station.handBack(),
    join: (code) => operator.join(code),
    leave: () => operator.close(),
    leader: { status: "off", name: undefined, message: "" },
    useLeader: (on) => (on ? leader.start() : leader.stop()),
    leaderAvailable: () => leader.available(),
  }));
  station.subscribe((s) => store.setState({ station: s }));
  operator.subscribe((s) => store.setState({ operator: s }));
  return store;
}
