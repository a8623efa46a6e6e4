import { createStore, type StoreApi } from "zustand/vanilla";
import { isShared } from "../core/SampleRing.ts";
import type { CameraSpec } from "../core/dataset.ts";
import { armJoints, poseToUrdf } from "../core/jointMapping.ts";
import { SampleFrame, type SampleSource } from "../core/LatestSample.ts";
import { isCancelled } from "../core/lifecycle.ts";
import { messageOf } from "../core/messages.ts";
import type { RobotKind } from "../core/robots.ts";
import type { CameraFactory, CameraSource } from "../capture/CameraFactory.ts";
import type { VideoInput } from "../capture/cameraIdentity.ts";
import type { PhonePairingState } from "../capture/phone/PhonePairing.ts";
import { CameraAttachment } from "../recording/CameraAttachment.ts";
import type { RecorderApi } from "../recording/recorderApi.ts";
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
  /** The phone being paired (QR code, link, messages): bound to the store's {@link PhonePairing} engine. */
  readonly phone: PhonePairingState;
  /**
   * Pairs a phone over WebRTC as camera `key`; resolves once its video is a camera of the rig (or
   * the pairing failed or was cancelled: the state says which). A second call while pairing joins it.
   */
  pairPhone(key: string): Promise<void>;
  /** Stops the pairing in progress (closes its link) or clears a failed one. */
  cancelPhone(): void;
}

export type CameraStore = StoreApi<CameraState>;

export interface CameraBackends {
  readonly recorder: RecorderApi;
  /** Makes the cameras (app/cameras.ts). */
  readonly factory: CameraFactory;
  readonly teleop: TeleopStore;
  /** The arm simulated cameras draw. */
  readonly robot: () => RobotKind;
  /** The page's performance.timeOrigin (the loop's sample times are mapped onto the page clock with it). */
  readonly pageTimeOrigin?: number;
}

const KEY_RE = /^[a-z][a-z0-9_]{0,31}$/;

export function validCameraKey(key: string): string | undefined {
  return KEY_RE.test(key) ? undefined : "A camera name is lowercase letters, digits and _ (e.g. front, wrist), starting with a letter.";
}

interface Attached {
  readonly source: CameraSource;
  readonly attachment: CameraAttachment;
  readonly close: () => void;
}

/**
 * The cameras of the rig: simulated (drawing the follower's twin with a timecode), USB
 * (getUserMedia) and phones (WebRTC), made by the injected {@link CameraFactory}. Each camera's
 * frames go to the recorder worker through a {@link CameraAttachment} (a guarded lifecycle: a
 * camera removed while attaching is cancelled and closed); previews use the track itself. Frame
 * rate and drops are measured in the worker and reported here ~1 Hz.
 */
export function createCameraStore(b: CameraBackends): CameraStore {
  const { factory, recorder, teleop } = b;
  const pageTimeOrigin = b.pageTimeOrigin ?? performance.timeOrigin;
  const attached = new Map<string, Attached>();
  const pairing = factory.phonePairing();
  /** The pairing action in progress (pairing then attaching): a second call joins it, so one phone is one camera. */
  let pairingPhone: Promise<void> | undefined;

  const entryOf = (key: string, source: CameraSpec["source"], cam: CameraSource, deviceId: string, label: string): CameraEntry => ({
    key,
    source,
    deviceId,
    label,
    width: cam.width,
    height: cam.height,
    fps: Math.round(cam.fps),
    measuredFps: undefined,
    dropped: 0,
    status: "live",
  });

  /** Attaches `source` as camera `entry.key`; its name is taken at once (a second add of it is refused). */
  const add = async (entry: CameraEntry, source: CameraSource, onClose?: () => void) => {
    const close = () => {
      onClose?.();
      source.close();
    };
    if (attached.has(entry.key)) {
      close();
      throw new Error(`There is already a camera named "${entry.key}". Choose another name.`);
    }
    const attachment = new CameraAttachment({
      key: entry.key,
      track: source.track,
      fps: entry.fps,
      pageClock: source.pageClock,
      recorder,
      frames: (track) => factory.frames(track),
    });
    const mine: Attached = { source, attachment, close };
    attached.set(entry.key, mine);
    try {
      await source.ready;
      await attachment.attach();
    } catch (e) {
      // Removed meanwhile (cancelled): remove() closes it. Otherwise the name is free again.
      if (attached.get(entry.key) === mine) {
        attached.delete(entry.key);
        close();
      }
      throw e;
    }
    source.track.addEventListener("ended", () =>
      store.setState((s) => ({ cameras: s.cameras.map((c) => (c.key === entry.key ? { ...c, status: "ended" } : c)) })),
    );
    store.setState((s) => ({ cameras: [...s.cameras, entry] }));
  };

  const guarded = async (fn: () => Promise<void>) => {
    store.setState({ busy: true, error: undefined });
    try {
      await fn();
    } catch (e) {
      if (!isCancelled(e)) store.setState({ error: messageOf(e) });
    } finally {
      store.setState({ busy: false });
    }
  };

  /** Where simulated cameras read the follower's joints: the loop's shared sample (a copy would be stale). */
  const loopSample = (): SampleSource | null => {
    const t = teleop.getState();
    const buffer = t.shared?.buffer;
    return t.shared && t.status && buffer && isShared(buffer)
      ? { buffer, joints: t.shared.joints, hostOffsetMs: t.status.clockOriginMs - pageTimeOrigin }
      : null;
  };

  const pairPhone = async (key: string): Promise<void> => {
    const problem =
      validCameraKey(key) ?? (attached.has(key) ? `There is already a camera named "${key}". Choose another name.` : undefined);
    if (problem) {
      store.setState({ error: problem });
      return;
    }
    let paired;
    try {
      paired = await pairing.start(key);
    } catch {
      return; // cancelled, or failed: the pairing state shows why
    }
    const { camera, link } = paired;
    const settings = camera.track.getSettings();
    const cam: CameraSource = {
      track: camera.track,
      width: camera.width ?? settings.width ?? 640,
      height: camera.height ?? settings.height ?? 480,
      fps: camera.frameRate ?? settings.frameRate ?? 30,
      pageClock: false,
      close: () => link.close(), // stops the video and tells the phone
    };
    await guarded(() => add(entryOf(key, "phone", cam, "", camera.label || "Phone camera"), cam));
  };

  const store = createStore<CameraState>()((set, get) => ({
    cameras: [],
    devices: [],
    error: undefined,
    busy: false,
    track: (key) => (get().cameras.some((c) => c.key === key) ? attached.get(key)?.source.track : undefined),
    refreshDevices: () =>
      guarded(async () => {
        set({ devices: await factory.devices() });
      }),
    addSimulated: (o = {}) =>
      guarded(async () => {
        const kind = b.robot();
        const joints = armJoints(kind);
        const key = o.key ?? (attached.has("front") ? `sim_${attached.size}` : "front");
        const frame = new SampleFrame(joints.length);
        // For a renderer on the page: the newest sample (shared) or the ~10 Hz status.
        const pose = () => {
          const t = teleop.getState();
          const sample = t.shared?.read(frame) ? frame : t.status ? SampleFrame.fromArray(t.status.sample, joints.length) : undefined;
          return sample ? poseToUrdf(joints, sample.follower) : null;
        };
        // Frames on the page clock's whole periods (0, 1/fps, …): recording rows start on the same
        // grid, so each row has a frame drawn at its own time (see RecordingSession.beginTake).
        const cam = factory.simulated({
          width: o.width ?? 640,
          height: o.height ?? 480,
          fps: o.fps ?? 30,
          robot: kind,
          label: `simulated ${key}`,
          pose,
        });
        cam.setSample(loopSample());
        const unsubscribe = teleop.subscribe((s, prev) => {
          if (s.shared !== prev.shared || s.status?.clockOriginMs !== prev.status?.clockOriginMs) cam.setSample(loopSample());
        });
        await add(entryOf(key, "simulated", cam, "", "Simulated camera"), cam, unsubscribe);
      }),
    addUsb: (deviceId, key, width, height, fps) =>
      guarded(async () => {
        const problem = validCameraKey(key);
        if (problem) throw new Error(problem);
        const cam = await factory.usb({ deviceId, width, height, fps });
        await add(entryOf(key, "usb", cam, cam.identity.deviceId, cam.identity.label), cam);
      }),
    addTrack: (key, source, track, label) =>
      guarded(async () => {
        const problem = validCameraKey(key);
        if (problem) throw new Error(problem);
        const s = track.getSettings();
        const cam: CameraSource = {
          track,
          width: s.width ?? 640,
          height: s.height ?? 480,
          fps: s.frameRate ?? 30,
          pageClock: false,
          close: () => track.stop(),
        };
        await add(entryOf(key, source, cam, "", label), cam);
      }),
    phone: pairing.getState(),
    pairPhone: (key) => (pairingPhone ??= pairPhone(key).finally(() => (pairingPhone = undefined))),
    cancelPhone: () => pairing.cancel(),
    remove: async (key) => {
      const a = attached.get(key);
      if (!a) return;
      attached.delete(key);
      set((s) => ({ cameras: s.cameras.filter((c) => c.key !== key) }));
      await a.attachment.detach();
      a.close();
    },
  }));

  pairing.subscribe(() => store.setState({ phone: pairing.getState() }));
  recorder
    .onEvent((e) => {
      if (e.type !== "camera") return;
      store.setState((s) => ({
        cameras: s.cameras.map((c) =>
          c.key === e.key ? { ...c, measuredFps: e.fps, dropped: e.dropped, ...(e.ended ? { status: "ended" as const } : {}) } : c,
        ),
      }));
    })
    .catch((e: unknown) => store.setState({ error: messageOf(e) }));
  return store;
}
