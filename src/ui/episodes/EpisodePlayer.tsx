import { useEffect, useRef } from "react";
import { useStore } from "zustand";
import type { EpisodeData } from "../../state/index.ts";
import { useStudio } from "../StudioContext.tsx";
import { EpisodePlots } from "./EpisodePlots.tsx";
import { ReplayTwin, robotKindOf } from "./ReplayTwin.tsx";

export function formatTime(seconds: number): string {
  const m = Math.floor(seconds / 60);
  const s = seconds - m * 60;
  return `${m}:${s.toFixed(2).padStart(5, "0")}`;
}

/** One camera of the episode, drawn from the stored video at the player's frame. */
function CameraView({ camera }: { camera: string }) {
  const { episodes } = useStudio();
  const canvas = useRef<HTMLCanvasElement>(null);
  const error = useStore(episodes, (s) => s.cameraErrors[camera]);
  const attach = useStore(episodes, (s) => s.attachCamera);
  const data = useStore(episodes, (s) => s.open?.data);
  useEffect(() => {
    const c = canvas.current;
    if (!c || !data) return;
    const ctx = c.getContext("2d", { willReadFrequently: true });
    const detach = attach(camera, (frame, row) => {
      try {
        if (c.width !== frame.displayWidth || c.height !== frame.displayHeight) {
          c.width = frame.displayWidth;
          c.height = frame.displayHeight;
        }
        ctx?.drawImage(frame, 0, 0);
        c.dataset["frame"] = String(row);
      } finally {
        frame.close();
      }
    });
    return detach;
  }, [attach, camera, data]);
  return (
    <figure className="camera episode-camera">
      <canvas ref={canvas} data-testid="episode-camera" data-camera={camera} data-frame="-1" />
      <figcaption className="small">
        {camera} {error && <span className="bad">{error}</span>}
      </figcaption>
    </figure>
  );
}

/** Cameras, joint plots and the 3D twin in sync, with frame-accurate scrubbing and transport. */
export function EpisodePlayer({ data }: { data: EpisodeData }) {
  const { episodes } = useStudio();
  const frame = useStore(episodes, (s) => s.frame);
  const speed = useStore(episodes, (s) => s.speed);
  const dataset = useStore(episodes, (s) => s.datasets.find((d) => d.id === data.episode.datasetId));
  const { seek, step, play, pause } = episodes.getState();
  const fps = data.episode.fps;
  const robot = dataset ? robotKindOf(dataset.robotType) : undefined;
  const jointNames = dataset?.jointNames ?? [];
  const annotations = useStore(episodes, (s) => s.history?.present.annotations);
  const rowTime = data.rowTimeMs[frame];
  return (
    <section className="episode-player" data-testid="episode-player" data-frame={frame} data-rows={data.rows}>
      <div className="episode-media">
        <div className="camera-grid episode-cameras">
          {data.episode.tracks.map((t) => (
            <CameraView key={t.camera} camera={t.camera} />
          ))}
          {data.episode.tracks.length === 0 && <p className="muted">This episode has no camera video.</p>}
        </div>
        {robot ? (
          <ReplayTwin robot={robot} data={data} jointNames={jointNames} frame={frame} />
        ) : (
          <p className="muted">No 3D model for robot type “{dataset?.robotType}”.</p>
        )}
        <EpisodePlots
          data={data}
          jointNames={jointNames}
          units={dataset?.units}
          annotations={annotations}
          frame={frame}
          onSeek={(f) => {
            pause();
            seek(f);
          }}
        />
      </div>
      <div className="transport row">
        <button onClick={() => play(-1)} title="Play backwards (J)" aria-label="Play backwards">
          ◀◀
        </button>
        <button onClick={() => step(-1)} title="Previous frame (←)" aria-label="Previous frame">
          ◀|
        </button>
        <button onClick={() => (speed === 0 ? play(1) : pause())} title="Play / pause (Space)" aria-label={speed === 0 ? "Play" : "Pause"}>
          {speed === 0 ? "▶" : "❚❚"}
        </button>
        <button onClick={() => step(1)} title="Next frame (→)" aria-label="Next frame">
          |▶
        </button>
        <input
          className="scrubber"
          type="range"
          min={0}
          max={Math.max(0, data.rows - 1)}
          step={1}
          value={frame}
          aria-label="Frame"
          onChange={(e) => {
            pause();
            seek(Number(e.target.value));
          }}
        />
        <span className="mono" data-testid="frame-readout">
          frame {frame} / {data.rows - 1} · {formatTime(frame / fps)}
          {speed !== 0 && speed !== 1 ? ` · ${speed}×` : ""}
        </span>
        <span className="muted small mono" title="Row time on the recording clock">
          {rowTime !== undefined && !Number.isNaN(rowTime) ? `t=${(rowTime - data.rowTimeMs[0]!).toFixed(0)} ms` : ""}
        </span>
      </div>
    </section>
  );
}
