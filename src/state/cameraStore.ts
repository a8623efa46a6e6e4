import { createStore, type StoreApi } from "zustand/vanilla";
import type { CameraSpec } from "../core/dataset.ts";
import { armJoints, poseToUrdf } from "../core/jointMapping.ts";
import { KINEMATIC_CHAINS } from "../core/kinematics.ts";
import { SampleFrame } from "../core/LatestSample.ts";
import type { RobotKind } from "../core/robots.ts";
import { CameraError, listCameras, openCamera, requestCameraPermission } from "../capture/CameraManager.ts";
import type { VideoInput } from "../capture/cameraIdentity.ts";
import { SimulatedCamera } from "../capture/SimulatedCamera.ts";
import { WorkerSimulatedCamera } from "../capture/WorkerSimulatedCamera.ts";
import { PhoneCameraLink } from "../capture/phone/PhoneCameraLink.ts";
import type { RecorderClient } from "../recording/RecorderClient.ts";
import type { TeleopStore } from "./teleopStore.ts";

export interface CameraEntry extends CameraSpec {
  readonly source: CameraSpec["source"];
  /** Measured by the recorder worker about once a second. */
  readonly measuredFps: number | undefined;
  /** Frames the camera skipped (gaps in its timestamps). */
  readonly dropped: number;
  readonly status: "live" | "ended";
}

export interface CameraState {
  readonly cameras: readonly CameraEntry[];
  readonly devices: readonly VideoInput[];
  readonly error: string | undefined;
  readonly busy: boolean;
  /** The live track of a camera, for previews (not React state: tracks are not data). */
  track(key: string): MediaStreamTrack | undefined;
  refreshDevices(): Promise<void>;
  addSimulated(options?: { key?: string; width?: number; height?: number; fps?: number }): Promise<void>;
  addUsb(deviceId: string, key: string, width: number, height: number, fps: number): Promise<void>;
  /** A track from elsewhere (a phone over WebRTC). */
  addTrack(key: string, source: CameraSpec["source"], track: MediaStreamTrack, label: string): Promise<void>;
  remove(key: string): Promise<void>;
  /** A pairing with a phone over WebRTC (QR code + link); add its track with addTrack once live. */
  phoneLink(): PhoneCameraLink;
}

export type CameraStore = StoreApi<CameraState>;

type ProcessorCtor = new (init: { track: MediaStreamTrack; maxBufferSize?: number }) => { readable: ReadableStream<VideoFrame> };

const KEY_RE = /^[a-z][a-z0-9_]{0,31}$/;

export function validCameraKey(key: string): string | undefined {
  return KEY_RE.test(key) ? undefined : "A camera name is lowercase letters, digits and _ (e.g. front, wrist), starting with a letter.";
}

/**
 * The cameras of the rig: simulated (drawing the follower's twin with a timecode), USB
 * (getUserMedia) and phones (WebRTC). Each camera's frames go to the recorder worker as a
 * transferred stream (MediaStreamTrackProcessor on a clone of the track); previews use the
 * track itself. Frame rate and drops are measured in the worker and reported here ~1 Hz.
 */
export function createCameraStore(recorder: RecorderClient, teleop: TeleopStore, robot: () => RobotKind): CameraStore {
  const tracks = new Map<string, { track: MediaStreamTrack; close: () => void }>();

  const attach = async (key: string, track: MediaStreamTrack, fps: number, pageClock: boolean) => {
    const Processor = (globalThis as unknown as { MediaStreamTrackProcessor?: ProcessorCtor }).MediaStreamTrackProcessor;
    if (!Processor)
      throw new Error("This browser cannot read camera frames for recording (no MediaStreamTrackProcessor). Use a current Chrome or Edge.");
    const clone = track.clone();
    const readable = new Processor({ track: clone, maxBufferSize: 4 }).readable;
    await recorder.addCamera(key, readable, fps, pageClock);
    return () => clone.stop();
  };

  const add = async (entry: CameraEntry, track: MediaStreamTrack, close: () => void, pageClock = false) => {
    if (store.getState().cameras.some((c) => c.key === entry.key)) {
      close();
      throw new Error(`There is already a camera named "${entry.key}". Choose another name.`);
    }
    const detach = await attach(entry.key, track, entry.fps, pageClock);
    tracks.set(entry.key, {
      track,
      close: () => {
        detach();
        close();
      },
    });
    track.addEventListener("ended", () =>
      store.setState((s) => ({ cameras: s.cameras.map((c) => (c.key === entry.key ? { ...c, status: "ended" } : c)) })),
    );
    store.setState((s) => ({ cameras: [...s.cameras, entry] }));
  };

  const guarded = async (fn: () => Promise<void>) => {
    store.setState({ busy: true, error: undefined });
    try {
      await fn();
    } catch (e) {
      store.setState({ error: e instanceof Error ? e.message : String(e) });
    } finally {
      store.setState({ busy: false });
    }
  };

  const store = createStore<CameraState>()((set, get) => ({
    cameras: [],
    devices: [],
    error: undefined,
    busy: false,
    track: (key) => tracks.get(key)?.track,
    refreshDevices: () =>
      guarded(async () => {
        await requestCameraPermission().catch((e: unknown) => {
          if (e instanceof CameraError && e.code === "no_media_devices") throw e;
        });
        set({ devices: await listCameras() });
      }),
    addSimulated: (o = {}) =>
      guarded(async () => {
        const kind = robot();
        const chain = KINEMATIC_CHAINS[kind];
        const joints = armJoints(kind);
        const key = o.key ?? (get().cameras.some((c) => c.key === "front") ? `sim_${get().cameras.length}` : "front");
        const n = joints.length;
        const frame = new SampleFrame(n);
        const pose = () => {
          const t = teleop.getState();
          const sample = t.shared?.read(frame) ? frame : t.status ? SampleFrame.fromArray(t.status.sample, n) : undefined;
          return sample ? poseToUrdf(joints, sample.follower) : null;
        };
        // Frames on the page clock's whole periods (0, 1/fps, …): recording rows start on the same
        // grid, so each row has a frame drawn at its own time (see recordingStore.beginTake).
        const size = { width: o.width ?? 640, height: o.height ?? 480, fps: o.fps ?? 30 };
        const label = `simulated ${key}`;
        if (WorkerSimulatedCamera.supported()) {
          // Rendered in a worker: its frame timing does not depend on how busy the page is.
          const cam = new WorkerSimulatedCamera({ ...size, robot: kind, label, phaseOriginMs: 0 });
          const feed = () => {
            const t = teleop.getState();
            const buf = t.shared?.buffer;
            cam.setSample(
              t.shared && t.status && typeof SharedArrayBuffer !== "undefined" && buf instanceof SharedArrayBuffer
                ? { buffer: buf, joints: t.shared.joints, hostOffsetMs: t.status.clockOriginMs - performance.timeOrigin }
                : null,
            );
          };
          feed();
          const unsubscribe = teleop.subscribe((s, prev) => {
            if (s.shared !== prev.shared || s.status?.clockOriginMs !== prev.status?.clockOriginMs) feed();
          });
          await add(
            {
              key,
              source: "simulated",
              deviceId: "",
              label: "Simulated camera",
              width: cam.width,
              height: cam.height,
              fps: cam.fps,
              measuredFps: undefined,
              dropped: 0,
              status: "live",
            },
            cam.track,
            () => {
              unsubscribe();
              cam.stop();
            },
            true,
          );
          return;
        }
        const cam = new SimulatedCamera({ ...size, chain, pose, label, phaseOriginMs: 0 });
        await add(
          {
            key,
            source: "simulated",
            deviceId: "",
            label: "Simulated camera",
            width: cam.width,
            height: cam.height,
            fps: cam.fps,
            measuredFps: undefined,
            dropped: 0,
            status: "live",
          },
          cam.track,
          () => cam.stop(),
          cam.timestampsOnPageClock,
        );
      }),
    addUsb: (deviceId, key, width, height, fps) =>
      guarded(async () => {
        const problem = validCameraKey(key);
        if (problem) throw new Error(problem);
        const cam = await openCamera({ deviceId, width, height, fps });
        await add(
          {
            key,
            source: "usb",
            deviceId: cam.identity.deviceId,
            label: cam.identity.label,
            width: cam.width,
            height: cam.height,
            fps: Math.round(cam.fps),
            measuredFps: undefined,
            dropped: 0,
            status: "live",
          },
          cam.track,
          () => cam.close(),
        );
      }),
    addTrack: (key, source, track, label) =>
      guarded(async () => {
        const problem = validCameraKey(key);
        if (problem) throw new Error(problem);
        const s = track.getSettings();
        await add(
          {
            key,
            source,
            deviceId: "",
            label,
            width: s.width ?? 640,
            height: s.height ?? 480,
            fps: Math.round(s.frameRate ?? 30),
            measuredFps: undefined,
            dropped: 0,
            status: "live",
          },
          track,
          () => track.stop(),
        );
      }),
    phoneLink: () => new PhoneCameraLink(),
    remove: async (key) => {
      const t = tracks.get(key);
      tracks.delete(key);
      t?.close();
      set((s) => ({ cameras: s.cameras.filter((c) => c.key !== key) }));
      await recorder.removeCamera(key).catch(() => undefined);
    },
  }));

  recorder.on((e) => {
    if (e.type !== "camera") return;
    store.setState((s) => ({
      cameras: s.cameras.map((c) =>
        c.key === e.key ? { ...c, measuredFps: e.fps, dropped: e.dropped, ...(e.ended ? { status: "ended" as const } : {}) } : c,
      ),
    }));
  });
  return store;
}
