import { StrictMode } from "react";
import { createRoot } from "react-dom/client";
import { RigService, type RigEvent, type SerialPortLike, WorkerRigClient } from "../hardware/index.ts";
import { createRigStore, TelemetryPoller } from "../state/index.ts";
import { Shell, StudioProvider } from "../ui/index.ts";
import "../ui/styles.css";
import { installFakeSerial } from "./fakeSerial.ts";

/** The composition root: the only place that picks concrete implementations. */

function createWorkerRig(): WorkerRigClient | undefined {
  if (typeof Worker === "undefined") return undefined;
  try {
    return new WorkerRigClient(new Worker(new URL("./rig.worker.ts", import.meta.url), { type: "module", name: "bus" }));
  } catch {
    return undefined; // e.g. a browser without module workers: run buses on the page
  }
}

const params = new URLSearchParams(location.search);
const fakeSerial = window.__STUDIO_FAKE_SERIAL__;
const requestPort: (() => Promise<SerialPortLike>) | undefined = fakeSerial
  ? installFakeSerial(fakeSerial)
  : "serial" in navigator
    ? () => navigator.serial.requestPort()
    : undefined;

const inlineListeners = new Set<(e: RigEvent) => void>();
const inline = new RigService("main", (e) => inlineListeners.forEach((fn) => fn(e)));
const worker = params.get("worker") === "off" ? undefined : createWorkerRig();

const rig = createRigStore({
  worker,
  inline,
  requestPort,
  onInlineEvent: (fn) => inlineListeners.add(fn),
});
const telemetry = new TelemetryPoller(rig, 100);
telemetry.start();

// First run opens on the simulated rig, so every feature can be tried without hardware.
if (params.get("rig") !== "none") void rig.getState().connectSimulatedRig();

const root = document.getElementById("root");
if (!root) throw new Error("index.html has no #root");
createRoot(root).render(
  <StrictMode>
    <StudioProvider value={{ rig, telemetry, webSerial: requestPort !== undefined }}>
      <Shell />
    </StudioProvider>
  </StrictMode>,
);
