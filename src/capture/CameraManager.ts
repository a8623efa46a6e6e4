/**
 * USB cameras on the page: list them and open one at a resolution and frame rate.
 *
 * Labels are empty until the page has camera permission: call {@link requestCameraPermission}
 * (opens and immediately closes a camera) before listing for a picker.
 */

import type { CameraIdentity, VideoInput } from "./cameraIdentity.ts";

export type CameraErrorCode = "permission_denied" | "not_found" | "busy" | "unsupported_mode" | "no_media_devices" | "failed";

/** A camera failure with a message for the operator. */
export class CameraError extends Error {
  constructor(
    message: string,
    readonly code: CameraErrorCode,
  ) {
    super(message);
    this.name = "CameraError";
  }
}

function mediaDevices(): MediaDevices {
  if (typeof navigator === "undefined" || navigator.mediaDevices === undefined) {
    throw new CameraError(
      "Cameras are not available here: the studio must be opened over HTTPS or on localhost, in a browser with camera support.",
      "no_media_devices",
    );
  }
  return navigator.mediaDevices;
}

function cameraError(e: unknown, what: string): CameraError {
  if (e instanceof CameraError) return e;
  const name = e instanceof Error ? e.name : "";
  const detail = e instanceof Error ? e.message : String(e);
  switch (name) {
    case "NotAllowedError":
    case "SecurityError":
      return new CameraError(
        `Camera access was refused for ${what}. Allow the camera for this site (the camera icon in the address bar) and try again.`,
        "permission_denied",
      );
    case "NotFoundError":
      return new CameraError(`${what} was not found. Check that it is plugged in, then refresh the camera list.`, "not_found");
    case "NotReadableError":
    case "AbortError":
      return new CameraError(`${what} is in use or not responding. Close other apps or tabs using it, or unplug and replug it.`, "busy");
    case "OverconstrainedError":
      return new CameraError(`${what} cannot deliver the requested resolution or frame rate. Choose another mode.`, "unsupported_mode");
    default:
      return new CameraError(`${what} could not be opened: ${detail}`, "failed");
  }
}

/** Asks for camera permission so device labels become visible. */
export async function requestCameraPermission(): Promise<void> {
  try {
    const s = await mediaDevices().getUserMedia({ video: true, audio: false });
    for (const t of s.getTracks()) t.stop();
  } catch (e) {
    throw cameraError(e, "the camera");
  }
}

/** Video inputs (labels empty without permission). */
export async function listCameras(): Promise<VideoInput[]> {
  const devices = await mediaDevices().enumerateDevices();
  return devices.filter((d) => d.kind === "videoinput").map((d) => ({ deviceId: d.deviceId, groupId: d.groupId, label: d.label }));
}

export interface OpenCameraRequest {
  deviceId: string;
  width: number;
  height: number;
  fps: number;
}

export interface OpenedCamera {
  identity: CameraIdentity;
  stream: MediaStream;
  track: MediaStreamTrack;
  /** What the camera actually delivers (it may differ from the request). */
  width: number;
  height: number;
  fps: number;
  /** Stops the track. */
  close(): void;
}

/**
 * Opens a camera by deviceId (exact) at the requested resolution and frame rate (ideal, so a
 * camera that cannot do them exactly still opens; check the returned width/height/fps).
 */
export async function openCamera(req: OpenCameraRequest): Promise<OpenedCamera> {
  let stream: MediaStream;
  try {
    stream = await mediaDevices().getUserMedia({
      audio: false,
      video: {
        deviceId: { exact: req.deviceId },
        width: { ideal: req.width },
        height: { ideal: req.height },
        frameRate: { ideal: req.fps },
      },
    });
  } catch (e) {
    throw cameraError(e, "The camera");
  }
  const track = stream.getVideoTracks()[0];
  if (track === undefined) throw new CameraError("The camera opened without a video track. Unplug and replug it.", "failed");
  const settings = track.getSettings();
  return {
    identity: { deviceId: settings.deviceId ?? req.deviceId, label: track.label },
    stream,
    track,
    width: settings.width ?? req.width,
    height: settings.height ?? req.height,
    fps: settings.frameRate ?? req.fps,
    close: () => {
      for (const t of stream.getTracks()) t.stop();
    },
  };
}
