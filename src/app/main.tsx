import { StrictMode } from "react";
import { createRoot } from "react-dom/client";
import {
  createCameraStore,
  createDatasetsStore,
  createEpisodesStore,
  createProblemsStore,
  createRecordingStore,
  createRemoteStore,
  createRolloutStore,
  createOnnxPolicyStore,
  type RecordingStore,
  type RolloutStore,
  type TeleopStore,
  createRigStore,
  createTeleopStore,
  type SerialLike,
  TelemetryPoller,
  teleopArms,
} from "../state/index.ts";
import { IdbProfileStore, MemoryProfileStore, type ProfileStore } from "../storage/index.ts";
import { IdbEpisodeStore } from "../storage/IdbEpisodeStore.ts";
import { MemoryEpisodeStore } from "../storage/MemoryEpisodeStore.ts";
import type { EpisodeStore } from "../storage/EpisodeStore.ts";
import { MemoryLocks, WebLocks, type OriginLocks } from "../storage/originLocks.ts";
import { runLockContract } from "../storage/originLocks.contract.ts";
import { LocalUnfinishedTakes } from "../storage/UnfinishedTakes.ts";
import { ARMS } from "../core/robots.ts";
import { verifyEpisode, type EpisodeCheck } from "../recording/verifyEpisode.ts";
import { configureParquetWasm } from "../export/index.ts";
import parquetWasmUrl from "../export/parquetWasmUrl.ts";

declare global {
  interface Window {
    /** Set by tests and benchmarks before the page loads: exposes {@link Window.__studioTest}. */
    __STUDIO_TEST__?: boolean;
    __studioTest?: {
      episodes: EpisodeStore;
      verifyEpisode(id: string): Promise<EpisodeCheck>;
      recording: RecordingStore;
      rollout: RolloutStore;
      teleop: TeleopStore;
      /** The OriginLocks contract run against this browser's Web Locks: the failures (none expected). */
      lockContract(): Promise<{ name: string; error: string }[]>;
      /** A bus's transaction counters (e2e: nothing talks to a bus after a stop). */
      busStats(key: string): Promise<BusStatsInfo>;
    };
  }
}
import { Shell, StudioProvider } from "../ui/index.ts";
import "../ui/styles.css";
import { FakeSerial } from "./fakeSerial.ts";
import { createRig } from "./rig.ts";
import { realClock, type BusStatsInfo } from "../hardware/index.ts";
import { createRecorder } from "./recorder.ts";
import { createCameraFactory } from "./cameras.ts";
import { ArmActivities, DEFAULT_REMOTE_GATE, ReplaySession } from "../control/index.ts";
import { connectOperator, connectStation } from "../remote/WebRtcLink.ts";
import { parseIceServers } from "../remote/iceServers.ts";
import { cameraFrames } from "./cameraFrames.ts";
import { WebSocketPolicyClient } from "../hardware/policy/WebSocketPolicyClient.ts";
import { OnnxPolicySource } from "../control/OnnxPolicySource.ts";
import { IdbOnnxPolicyStore } from "../storage/IdbOnnxPolicyStore.ts";
import { createOnnxBackend } from "./onnxBackend.ts";

/** The composition root: the only place that picks concrete implementations. */

function pickSerial(): SerialLike | undefined {
  const fake = window.__STUDIO_FAKE_SERIAL__;
  if (fake) {
    const serial = new FakeSerial(fake);
    window.__studioFakeSerial = serial;
    return serial;
  }
  return "serial" in navigator ? navigator.serial : undefined;
}

async function openProfiles(): Promise<{ store: ProfileStore; warning: string | undefined }> {
  try {
    return { store: await IdbProfileStore.open(), warning: undefined };
  } catch (e) {
    const why = e instanceof Error ? e.message : String(e);
    return {
      store: new MemoryProfileStore(),
      warning: `Robot profiles cannot be saved in this browser (${why}); they last until the page closes.`,
    };
  }
}

async function openEpisodes(): Promise<{ store: EpisodeStore; warning: string | undefined }> {
  try {
    return { store: await IdbEpisodeStore.open(), warning: undefined };
  } catch (e) {
    const why = e instanceof Error ? e.message : String(e);
    return { store: new MemoryEpisodeStore(), warning: `Recordings cannot be saved in this browser (${why}).` };
  }
}

/** One recorder per origin: the browser's Web Locks (secure contexts), else locks of this tab alone. */
function originLocks(): OriginLocks {
  return "locks" in navigator ? new WebLocks(navigator.locks) : new MemoryLocks();
}

async function start(): Promise<void> {
  const params = new URLSearchParams(location.search);
  const serial = pickSerial();
  const problems = createProblemsStore(realClock);
  const parts = createRig(params.get("worker") !== "off");
  const profiles = await openProfiles();
  // Activities exclude each other: nothing writes to an arm that teleop, a recording or a replay drives.
  const activities = new ArmActivities();
  const rig = createRigStore({ router: parts.router, serial, profiles: profiles.store, problems, activities });
  parts.bindStore(rig);
  const telemetry = new TelemetryPoller(rig, 100, realClock);
  telemetry.start();
  const teleop = createTeleopStore(rig, parts.controller, activities);
  // Recording: the recorder worker captures, encodes and stores; the page sequences takes.
  const episodes = await openEpisodes();
  const recorder = createRecorder();
  const followerKind = () => {
    const f = teleopArms(rig, teleop.getState().leaderId, teleop.getState().followerId).follower;
    return f ? ARMS[f.arm].kind : "so101";
  };
  const cameras = createCameraStore({ recorder, factory: createCameraFactory(), teleop, robot: followerKind });
  const locks = originLocks();
  // Takes a full disk kept from being finished: noted in localStorage, listed as cut short, written at recovery.
  const unfinished = LocalUnfinishedTakes.browser();
  const recording = createRecordingStore({ episodes: episodes.store, recorder, cameras, rig, teleop, clock: realClock, locks, unfinished });
  // ONNX policies run in a worker; the chosen model is kept in IndexedDB for the next visit.
  const onnxSource = new OnnxPolicySource(createOnnxBackend(), realClock, new IdbOnnxPolicyStore(), () =>
    cameras.getState().cameras.map((c) => c.key),
  );
  void onnxSource.restore();
  const onnx = createOnnxPolicyStore(onnxSource);
  const rollout = createRolloutStore({
    clock: realClock,
    controller: parts.controller,
    teleop,
    recording,
    episodes: episodes.store,
    client: (url) => new WebSocketPolicyClient(url),
    onnx: onnxSource,
    frame: cameraFrames(cameras),
  });
  activities.addDriver(() => {
    const driving = parts.controller.drivingArms();
    const phase = recording.getState().phase;
    const recordingNow = phase === "countdown" || phase === "recording" || phase === "saving" || phase === "reset";
    return driving && recordingNow ? { ...driving, what: "A recording session", stop: "Record → Stop, or Esc" } : undefined;
  });
  activities.addDriver(() => parts.controller.drivingArms());
  configureParquetWasm(parquetWasmUrl);
  const datasets = createDatasetsStore(episodes.store, locks);
  const replay = new ReplaySession({ controller: parts.controller, startTeleop: () => teleop.getState().start() });
  const episodeBrowser = createEpisodesStore(episodes.store, replay, { clock: realClock, unfinished });
  // Remote teleoperation: WebRTC through the signaling server, STUN/TURN from the Remote screen's settings.
  const ICE_KEY = "studio.remote.iceServers";
  const ice = { load: () => localStorage.getItem(ICE_KEY) ?? "", save: (text: string) => localStorage.setItem(ICE_KEY, text) };
  // `?signal=wss://host/signal`: a signaling server that is not this page's own (docs/remote.md).
  const signalingUrl = params.get("signal") ?? undefined;
  const rtc = () => {
    const { servers, relayOnly } = parseIceServers(ice.load());
    return { iceServers: servers, relayOnly, signalingUrl };
  };
  const cameraTracks = () =>
    cameras
      .getState()
      .cameras.map((c) => cameras.getState().track(c.key))
      .filter((t): t is MediaStreamTrack => t !== undefined);
  const remote = createRemoteStore({
    teleop,
    rig,
    recording,
    cameras,
    ice,
    robot: followerKind,
    gate: DEFAULT_REMOTE_GATE,
    clock: realClock,
    stationConnector: { open: (h) => connectStation(rtc(), cameraTracks, h) },
    operatorConnector: { join: (code, h) => connectOperator(rtc(), code, h) },
  });
  if (window.__STUDIO_TEST__)
    window.__studioTest = {
      episodes: episodes.store,
      verifyEpisode: (id) => verifyEpisode(episodes.store, id),
      recording,
      rollout,
      teleop,
      lockContract: () => runLockContract(() => [new WebLocks(navigator.locks), new WebLocks(navigator.locks)]),
      busStats: (key) => rig.getState().api(key).stats(key),
    };

  // Closing the tab: torque off (best effort; the watchdog in the loop covers the rest).
  window.addEventListener("pagehide", () => void teleop.getState().estop());
  // Hiding or closing the tab, or reloading: annotation edits still waiting for their debounce are saved now.
  const saveEdits = () => void episodeBrowser.getState().flush();
  window.addEventListener("pagehide", saveEdits);
  document.addEventListener("visibilitychange", () => {
    if (document.visibilityState === "hidden") saveEdits();
  });

  const root = document.getElementById("root");
  if (!root) throw new Error("index.html has no #root");
  createRoot(root).render(
    <StrictMode>
      <StudioProvider
        value={{
          rig,
          problems,
          telemetry,
          teleop,
          cameras,
          recording,
          rollout,
          onnx,
          datasets,
          episodes: episodeBrowser,
          remote,
          webSerial: serial !== undefined,
        }}
      >
        <Shell />
      </StudioProvider>
    </StrictMode>,
  );

  // Opened with an operator link (`?remote=<code>`): join that station.
  const code = params.get("remote");
  if (code) {
    // The code works once: keep it out of the history (a reload would only be refused).
    history.replaceState(null, "", location.pathname + location.hash);
    remote.getState().join(code);
    if (location.hash !== "#remote") location.hash = "#remote";
  }

  await rig.getState().loadProfiles();
  if (profiles.warning) problems.getState().report("warning", profiles.warning);
  // First run opens on the simulated rig, so every feature can be tried without hardware.
  const sim = params.get("rig");
  if (sim !== "none") await rig.getState().connectSimulatedRig(sim === "koch" ? "koch" : "so101");
  await rig.getState().reconnectKnownPorts();
  if (episodes.warning) problems.getState().report("warning", episodes.warning);
  // Takes interrupted by a crash or reload are kept as "interrupted" and offered.
  await recording
    .getState()
    .recover()
    .catch(() => undefined);
  void recording.getState().refreshUsage();
  // An import cut off by a closed or crashed page is removed (only while no tab imports).
  void datasets.getState().removeIncompleteImports();
  // The simulated rig comes with a simulated camera (?camera=none for none).
  if (sim !== "none" && params.get("camera") !== "none") await cameras.getState().addSimulated({ key: "front" });
}

void start();
