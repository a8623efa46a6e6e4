import { createContext, useContext, useSyncExternalStore } from "react";
import { useStore } from "zustand";
import type {
  CameraStore,
  DatasetsStore,
  EpisodesStore,
  OnnxPolicyStore,
  ProblemsStore,
  RecordingStore,
  RemoteStore,
  RolloutStore,
  RigState,
  RigStore,
  TelemetryPoller,
  TelemetrySnapshot,
  TeleopStore,
} from "../state/index.ts";

export interface Studio {
  readonly rig: RigStore;
  readonly problems: ProblemsStore;
  readonly telemetry: TelemetryPoller;
  readonly teleop: TeleopStore;
  readonly cameras: CameraStore;
  readonly recording: RecordingStore;
  readonly rollout: RolloutStore;
  /** The ONNX model chosen for rollouts in this browser (absent: only policy servers). */
  readonly onnx?: OnnxPolicyStore;
  readonly datasets: DatasetsStore;
  readonly episodes: EpisodesStore;
  readonly remote: RemoteStore;
  readonly webSerial: boolean;
}

const StudioContext = createContext<Studio | undefined>(undefined);

export const StudioProvider = StudioContext.Provider;

export function useStudio(): Studio {
  const s = useContext(StudioContext);
  if (!s) throw new Error("useStudio outside StudioProvider");
  return s;
}

export function useRig<T>(selector: (s: RigState) => T): T {
  return useStore(useStudio().rig, selector);
}

/** The latest telemetry of one bus; re-renders at the poller's rate (~10 Hz), not the bus rate. */
export function useTelemetry(key: string): TelemetrySnapshot | undefined {
  const { telemetry } = useStudio();
  useSyncExternalStore(telemetry.subscribe, telemetry.getVersion);
  return telemetry.get(key);
}
