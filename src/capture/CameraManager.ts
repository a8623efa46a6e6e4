/**
 * USB cameras on the page: list them, open one at a resolution and frame rate, take a
 * thumbnail, and re-find remembered cameras (cameraIdentity.ts) without ever swapping two.
 *
 * Labels are empty until the page has camera permission: call {@link requestCameraPermission}
 * (opens and immediately closes a camera) before listing for a picker.
 */

import { matchCameras } from "./cameraIdentity.ts";
import type { CameraIdentity, CameraMatch, VideoInput } from "./cameraIdentity.ts";
import { FrameMeter, meterTrack } from "./FrameMeter.ts";
import { readTrackFrames } from "./frameReader.ts";
import type { FrameReader } from "./frameReader.ts";

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

/**
 * Calls `listener` whenever cameras are plugged in or out (the devicechange event); re-run
 * {@link findCameras} then. Returns the unsubscribe function.
 */
export function onCamerasChanged(listener: () => void): () => void {
  const md = mediaDevices();
  md.addEventListener("devicechange", listener);
  return () => md.removeEventListener("devicechange", listener);
}

/** Finds remembered cameras among the connected ones (see matchCameras). */
export async function findCameras(wanted: readonly CameraIdentity[]): Promise<CameraMatch[]> {
  return matchCameras(wanted, await listCameras());
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

/** A small JPEG of an image source (VideoFrame, ImageBitmap, canvas…), at most `maxWidth` wide. */
export async function thumbnailOf(
  source: VideoFrame | ImageBitmap | OffscreenCanvas,
  width: number,
  height: number,
  maxWidth = 160,
  quality = 0.7,
): Promise<Blob> {
  const scale = Math.min(1, maxWidth / width);
  const w = Math.max(1, Math.round(width * scale));
  const h = Math.max(1, Math.round(height * scale));
  const canvas = new OffscreenCanvas(w, h);
  const ctx = canvas.getContext("2d");
  if (ctx === null) throw new CameraError("Could not make a thumbnail: no 2D canvas.", "failed");
  ctx.drawImage(source, 0, 0, w, h);
  return canvas.convertToBlob({ type: "image/jpeg", quality });
}

/** Takes the next frame of a live track as a thumbnail (reads from a clone; the track is untouched). */
export async function grabThumbnail(track: MediaStreamTrack, maxWidth = 160, timeoutMs = 3000): Promise<Blob> {
  const clone = track.clone();
  let reader: FrameReader | null = null;
  try {
    const frame = await new Promise<VideoFrame>((resolve, reject) => {
      const timer = setTimeout(
        () =>
          reject(
            new CameraError("The camera sent no picture for the thumbnail. Check that it is not covered or in use elsewhere.", "busy"),
          ),
        timeoutMs,
      );
      let got = false;
      reader = readTrackFrames(clone, (f) => {
        if (got) {
          f.close();
          return;
        }
        got = true;
        clearTimeout(timer);
        resolve(f);
      });
      reader.done.catch((e: unknown) => {
        clearTimeout(timer);
        reject(cameraError(e, "The camera"));
      });
    });
    try {
      return await thumbnailOf(frame, frame.displayWidth, frame.displayHeight, maxWidth);
    } finally {
      frame.close();
    }
  } finally {
    await (reader as FrameReader | null)?.stop();
    clone.stop();
  }
}

/** A live FrameMeter on a track; stop() ends it. */
export function startFrameMeter(track: MediaStreamTrack, fps = 0): { meter: FrameMeter; stop: () => Promise<void> } {
  const meter = new FrameMeter(fps);
  const reader = meterTrack(track, meter);
  reader.done.catch(() => undefined);
  return { meter, stop: () => reader.stop() };
}
