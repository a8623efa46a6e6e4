/** The studio's cameras (the CameraFactory the camera store uses): the concrete capture implementations. */
import type { CameraFactory } from "../capture/CameraFactory.ts";
import { CameraError, listCameras, openCamera, requestCameraPermission } from "../capture/CameraManager.ts";
import { PhoneCameraLink } from "../capture/phone/PhoneCameraLink.ts";
import { PhonePairing } from "../capture/phone/PhonePairing.ts";
import { SimulatedCamera } from "../capture/SimulatedCamera.ts";
import { trackFrames } from "../capture/trackFrames.ts";
import { WorkerSimulatedCamera } from "../capture/WorkerSimulatedCamera.ts";
import { KINEMATIC_CHAINS } from "../core/kinematics.ts";

export function createCameraFactory(): CameraFactory {
  return {
    simulated(r) {
      if (WorkerSimulatedCamera.supported()) {
        // Rendered in a worker: its frame timing does not depend on how busy the page is.
        const worker = new Worker(new URL("./simulatedCamera.worker.ts", import.meta.url), { type: "module", name: "simulated camera" });
        const cam = new WorkerSimulatedCamera(worker, { width: r.width, height: r.height, fps: r.fps, robot: r.robot, label: r.label });
        return {
          track: cam.track,
          width: cam.width,
          height: cam.height,
          fps: cam.fps,
          pageClock: true,
          ready: cam.ready,
          setSample: (source) => cam.setSample(source),
          close: () => cam.stop(),
        };
      }
      const cam = new SimulatedCamera({
        width: r.width,
        height: r.height,
        fps: r.fps,
        chain: KINEMATIC_CHAINS[r.robot],
        pose: r.pose,
        label: r.label,
        phaseOriginMs: 0,
      });
      return {
        track: cam.track,
        width: cam.width,
        height: cam.height,
        fps: cam.fps,
        pageClock: cam.timestampsOnPageClock,
        setSample: () => undefined, // it reads the pose itself
        close: () => cam.stop(),
      };
    },
    async usb(request) {
      const cam = await openCamera(request);
      return {
        track: cam.track,
        width: cam.width,
        height: cam.height,
        fps: cam.fps,
        pageClock: false,
        identity: cam.identity,
        close: () => cam.close(),
      };
    },
    async devices() {
      await requestCameraPermission().catch((e: unknown) => {
        if (e instanceof CameraError && e.code === "no_media_devices") throw e;
      });
      return listCameras();
    },
    phonePairing: () => new PhonePairing(() => new PhoneCameraLink()),
    frames: (track) => trackFrames(track),
  };
}
