import { StrictMode } from "react";
import { createRoot } from "react-dom/client";
import { TeleopService, type TeleopRequest, type TeleopStatus } from "../control/index.ts";
import { RigService, type RigEvent, WorkerRigClient } from "../hardware/index.ts";
import { createRigStore, createTeleopStore, type SerialLike, TelemetryPoller, type TeleopHost } from "../state/index.ts";
import { IdbProfileStore, MemoryProfileStore, type ProfileStore } from "../storage/index.ts";
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
    return { store: new MemoryProfileStore(), warning: `Robot profiles cannot be saved in this browser (${why}); they last until the page closes.` };
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
  const inlineTeleop = new TeleopService((key) => inline.busOf(key), (s) => reportTeleop(s));
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
  // Closing the tab: torque off (best effort; the watchdog in the loop covers the rest).
  window.addEventListener("pagehide", () => void teleop.getState().estop());

  const root = document.getElementById("root");
  if (!root) throw new Error("index.html has no #root");
  createRoot(root).render(
    <StrictMode>
      <StudioProvider value={{ rig, telemetry, teleop, webSerial: serial !== undefined }}>
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
}

void start();
