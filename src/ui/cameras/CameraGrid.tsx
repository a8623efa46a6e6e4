import { useEffect, useRef } from "react";
import { useStore } from "zustand";
import type { CameraEntry } from "../../state/index.ts";
import { useStudio } from "../StudioContext.tsx";

/** One camera's live picture with its name, size, measured rate and drops. */
export function CameraPreview({ camera }: { camera: CameraEntry }) {
  const { cameras } = useStudio();
  const video = useRef<HTMLVideoElement>(null);
  const track = cameras.getState().track(camera.key);
  useEffect(() => {
    const v = video.current;
    if (!v || !track) return;
    v.srcObject = new MediaStream([track]);
    void v.play().catch(() => undefined);
    return () => {
      v.srcObject = null;
    };
  }, [track]);
  const slow = camera.measuredFps !== undefined && camera.measuredFps < camera.fps * 0.9;
  return (
    <figure className="camera" data-testid="camera-preview" data-camera={camera.key}>
      <video ref={video} muted playsInline autoPlay aria-label={`Camera ${camera.key}`} />
      <figcaption>
        <strong>{camera.key}</strong> <span className="muted">{camera.source === "usb" ? camera.label : camera.source}</span>{" "}
        <span className="mono">
          {camera.width}×{camera.height}{" "}
          <span className={slow ? "warn" : ""} data-testid="camera-fps">
            {camera.measuredFps === undefined ? "…" : camera.measuredFps.toFixed(1)} fps
          </span>{" "}
          · <span data-testid="camera-dropped">{camera.dropped}</span> dropped
        </span>
        {camera.status === "ended" && <span className="bad"> — disconnected: unplugged or closed. Remove it and add it again.</span>}
      </figcaption>
    </figure>
  );
}

/** Every camera of the rig, live. */
export function CameraGrid({ empty }: { empty?: string }) {
  const { cameras } = useStudio();
  const list = useStore(cameras, (s) => s.cameras);
  if (list.length === 0) return <p className="muted camera-empty">{empty ?? "No cameras yet: add one on the Rig screen (Cameras)."}</p>;
  return (
    <div className="camera-grid" data-testid="camera-grid">
      {list.map((c) => (
        <CameraPreview key={c.key} camera={c} />
      ))}
    </div>
  );
}
