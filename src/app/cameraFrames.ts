/**
 * The newest frame of each camera for a policy's observation: the camera's track plays in a hidden
 * video element (one per track), drawn into a canvas when asked. Undefined until the track has a
 * frame (the runner then holds, naming the camera).
 */
import type { RgbaImage } from "../core/letterbox.ts";
import type { CameraStore } from "../state/index.ts";

export function cameraFrames(cameras: CameraStore): (camera: string) => RgbaImage | undefined {
  const videos = new Map<MediaStreamTrack, HTMLVideoElement>();
  const canvas = document.createElement("canvas");
  const ctx = canvas.getContext("2d", { willReadFrequently: true });
  return (camera) => {
    const track = cameras.getState().track(camera);
    if (!track || track.readyState !== "live" || !ctx) return undefined;
    let video = videos.get(track);
    if (!video) {
      video = document.createElement("video");
      video.muted = true;
      video.playsInline = true;
      video.srcObject = new MediaStream([track]);
      void video.play().catch(() => undefined);
      videos.set(track, video);
      track.addEventListener("ended", () => videos.delete(track));
    }
    const { videoWidth: w, videoHeight: h } = video;
    if (!(w > 0 && h > 0)) return undefined;
    canvas.width = w;
    canvas.height = h;
    ctx.drawImage(video, 0, 0, w, h);
    const data = ctx.getImageData(0, 0, w, h).data;
    return { width: w, height: h, data };
  };
}
