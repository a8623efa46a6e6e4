/** Fakes for the camera store's tests: cameras, tracks, the recorder, and a phone pairing engine passed in. */
import { createStore } from "zustand/vanilla";
import type { PhonePairing } from "../../capture/phone/PhonePairing.ts";
import type { CameraFactory, SimulatedCameraSource, UsbCameraRequest, UsbCameraSource } from "../../capture/CameraFactory.ts";
import { FakeRecorder } from "../../recording/testing/fakes.ts";
import { MemoryEpisodeStore } from "../../storage/MemoryEpisodeStore.ts";
import { createCameraStore } from "../cameraStore.ts";
import type { TeleopStore } from "../teleopStore.ts";

/** One task turn: pending promise callbacks run (no time passes). */
export const turn = () => new Promise<void>((r) => setImmediate(r));

export function fakeTrack(): MediaStreamTrack & { stopped: boolean; ended(): void } {
  const listeners: (() => void)[] = [];
  const track = {
    stopped: false,
    stop() {
      track.stopped = true;
    },
    getSettings: () => ({ width: 320, height: 240, frameRate: 15 }),
    addEventListener: (type: string, fn: () => void) => {
      if (type === "ended") listeners.push(fn);
    },
    ended: () => listeners.forEach((fn) => fn()),
  };
  return track as unknown as MediaStreamTrack & { stopped: boolean; ended(): void };
}

/** For tests without phones: idle, and pairing refuses. */
const NO_PHONES = {
  getState: () => ({ phase: "idle", key: undefined, link: undefined }),
  subscribe: () => () => undefined,
  start: () => Promise.reject(new Error("no phones in this test")),
  cancel: () => undefined,
} as unknown as PhonePairing;

/** The camera store with fake cameras, recorder and (optionally) phone pairing engine. */
export function setup(pairing: PhonePairing = NO_PHONES) {
  const recorder = new FakeRecorder(new MemoryEpisodeStore());
  const closed: string[] = [];
  const taps: { stopped: boolean }[] = [];
  const samples: unknown[] = [];
  const factory: CameraFactory = {
    simulated: (r): SimulatedCameraSource => ({
      track: fakeTrack(),
      width: r.width,
      height: r.height,
      fps: r.fps,
      pageClock: true,
      setSample: (s) => samples.push(s),
      close: () => closed.push(r.label),
    }),
    usb: (r: UsbCameraRequest): Promise<UsbCameraSource> =>
      Promise.resolve({
        track: fakeTrack(),
        width: r.width,
        height: r.height,
        fps: r.fps + 0.02,
        pageClock: false,
        identity: { deviceId: r.deviceId, label: "USB cam" },
        close: () => closed.push(r.deviceId),
      }),
    devices: () => Promise.resolve([{ deviceId: "d1", groupId: "g", label: "USB cam" }]),
    phonePairing: () => pairing,
    frames: () => {
      const tap = { stopped: false };
      taps.push(tap);
      return { stream: new ReadableStream<VideoFrame>(), stop: () => (tap.stopped = true) };
    },
  };
  const teleop = createStore(() => ({ shared: undefined, status: undefined })) as unknown as TeleopStore;
  const cameras = createCameraStore({ recorder, factory, teleop, robot: () => "so101", pageTimeOrigin: 0 });
  return { recorder, cameras, closed, taps, samples };
}
