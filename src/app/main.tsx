import { StrictMode } from "react";
import { createRoot } from "react-dom/client";
import { TeleopService, type TeleopRequest, type TeleopStatus } from "../control/index.ts";
import { RigService, type RigEvent, WorkerRigClient } from "../hardware/index.ts";
import {
  createCameraStore,
  createDatasetsStore,
  createEpisodesStore,
  createRecordingStore,
  type RecordingStore,
  createRigStore,
  createTeleopStore,
  type SerialLike,
  TelemetryPoller,
  type TeleopHost,
} from "../state/index.ts";
import { IdbProfileStore, MemoryProfileStore, type ProfileStore } from "../storage/index.ts";
import { IdbEpisodeStore } from "../storage/IdbEpisodeStore.ts";
import { MemoryEpisodeStore } from "../storage/MemoryEpisodeStore.ts";
import type { EpisodeStore } from "../storage/EpisodeStore.ts";
import { RecorderClient } from "../recording/RecorderClient.ts";
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
    };
  }
}
import { Shell, StudioProvider } from "../ui/index.ts";
import "../ui/styles.css";
import { FakeSerial } from "./fakeSerial.ts";

/** The composition root: the only place that picks concrete implementations. */

function createWorkerRig(): WorkerRigClient | undefined {
  if (typeof Worker === "undefined") return undefined;
  try {
    return new WorkerRigClient(new Worker(new URL("./rig.worker.ts", import.meta.url), { type: "module", name: "bus" }));
  } catch {
    return undefined; // e.g. a browser without module workers: run buses on the page
  }
}

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

async function start(): Promise<void> {
  const params = new URLSearchParams(location.search);
  const serial = pickSerial();
  const inlineListeners = new Set<(e: RigEvent) => void>();
  const inline = new RigService("main", (e) => inlineListeners.forEach((fn) => fn(e)));
  const worker = params.get("worker") === "off" ? undefined : createWorkerRig();
  const profiles = await openProfiles();

  const rig = createRigStore({ worker, inline, serial, profiles: profiles.store, onInlineEvent: (fn) => inlineListeners.add(fn) });
  const telemetry = new TelemetryPoller(rig, 100);
  telemetry.start();

  // The control loop runs next to the buses: in the worker, or on the page with them.
  let reportTeleop: (s: TeleopStatus) => void = () => undefined;
  const inlineTeleop = new TeleopService(
    (key) => inline.busOf(key),
    (s) => reportTeleop(s),
  );
  const workerTeleop: TeleopHost | undefined = worker
    ? {
        startTeleop: (req: TeleopRequest) => worker.call<TeleopStatus>("startTeleop", req),
        stopTeleop: () => worker.call<undefined>("stopTeleop"),
        estop: () => worker.call<undefined>("estop"),
        setSource: (source) => worker.call<undefined>("setSource", source),
        setTargets: (values) => worker.call<undefined>("setTargets", values),
      }
    : undefined;
  const teleop = createTeleopStore(rig, { worker: workerTeleop, inline: inlineTeleop });
  reportTeleop = (s) => teleop.getState().report(s);
  worker?.onEvent((e) => {
    if (e.kind === "extra" && e.topic === "teleop") reportTeleop(e.payload as TeleopStatus);
  });
  // Recording: the recorder worker captures, encodes and stores; the page sequences takes.
  const episodes = await openEpisodes();
  const recorder = new RecorderClient(new Worker(new URL("./recorder.worker.ts", import.meta.url), { type: "module", name: "recorder" }));
  const followerKind = () => {
    const s = teleop.getState();
    const profiles = rig.getState().profiles;
    const f = profiles.find((p) => p.id === s.followerId) ?? profiles.find((p) => p.arm.endsWith("follower"));
    return f ? ARMS[f.arm].kind : "so101";
  };
  const cameras = createCameraStore(recorder, teleop, followerKind);
  const recording = createRecordingStore({ episodes: episodes.store, recorder, cameras, rig, teleop });
  configureParquetWasm(parquetWasmUrl);
  const datasets = createDatasetsStore(episodes.store);
  const episodeBrowser = createEpisodesStore(episodes.store, teleop);
  if (window.__STUDIO_TEST__)
    window.__studioTest = { episodes: episodes.store, verifyEpisode: (id) => verifyEpisode(episodes.store, id), recording };

  // Closing the tab: torque off (best effort; the watchdog in the loop covers the rest).
  window.addEventListener("pagehide", () => void teleop.getState().estop());

  const root = document.getElementById("root");
  if (!root) throw new Error("index.html has no #root");
  createRoot(root).render(
    <StrictMode>
      <StudioProvider
        value={{ rig, telemetry, teleop, cameras, recording, datasets, episodes: episodeBrowser, webSerial: serial !== undefined }}
      >
        <Shell />
      </StudioProvider>
    </StrictMode>,
  );

  await rig.getState().loadProfiles();
  if (profiles.warning) rig.setState((s) => ({ problems: [...s.problems, { id: -1, severity: "warning", message: profiles.warning! }] }));
  // First run opens on the simulated rig, so every feature can be tried without hardware.
  const sim = params.get("rig");
  if (sim !== "none") await rig.getState().connectSimulatedRig(sim === "koch" ? "koch" : "so101");
  await rig.getState().reconnectKnownPorts();
  if (episodes.warning) rig.setState((s) => ({ problems: [...s.problems, { id: -2, severity: "warning", message: episodes.warning! }] }));
  // Takes interrupted by a crash or reload are kept as "interrupted" and offered.
  await recording
    .getState()
    .recover()
    .catch(() => undefined);
  void recording.getState().refreshUsage();
  // The simulated rig comes with a simulated camera (?camera=none for none).
  if (sim !== "none" && params.get("camera") !== "none") await cameras.getState().addSimulated({ key: "front" });
}

void start();
