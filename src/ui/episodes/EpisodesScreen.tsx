import { useEffect } from "react";
import { useStore } from "zustand";
import { useStudio } from "../StudioContext.tsx";
import { AnnotationPanel } from "./AnnotationPanel.tsx";
import { EpisodeBrowser } from "./EpisodeBrowser.tsx";
import { EpisodePlayer } from "./EpisodePlayer.tsx";

const typing = (t: EventTarget | null) =>
  t instanceof HTMLElement &&
  (t.tagName === "TEXTAREA" ||
    t.tagName === "SELECT" ||
    (t.tagName === "INPUT" && !["checkbox", "radio", "range", "button"].includes((t as HTMLInputElement).type)));

function ReplayBar() {
  const { episodes, teleop } = useStudio();
  const replay = useStore(episodes, (s) => s.replay);
  const loop = useStore(teleop, (s) => s.status?.state);
  const active = replay.state === "running" || replay.state === "starting";
  return (
    <div className="row replay-bar" data-testid="replay" data-state={replay.state} data-follow-error={replay.followErrorDeg ?? ""}>
      {active ? (
        <button className="danger" onClick={() => episodes.getState().stopReplay()}>
          Stop replay (Esc)
        </button>
      ) : (
        <button
          onClick={() => void episodes.getState().startReplay()}
          title="Send the recorded actions to the follower at the dataset's fps, through teleoperation's safety gate and limits"
        >
          Replay on the robot
        </button>
      )}
      <span className="small">
        {replay.state === "running" ? `replaying frame ${replay.row}` : (replay.message ?? "")}{" "}
        {loop && active ? <span className="muted">(loop: {loop})</span> : null}
        {replay.followErrorDeg !== undefined && (
          <span
            className="muted mono"
            title="Largest difference between the follower's position and the recorded action, over the joints, at the last frame sent"
          >
            {" "}
            · follower vs recording: {replay.followErrorDeg.toFixed(1)}°
          </span>
        )}
      </span>
    </div>
  );
}

/** Episodes: the browser, and for the open episode the player, annotation and replay. */
export function EpisodesScreen() {
  const { episodes } = useStudio();
  const datasets = useStore(episodes, (s) => s.datasets);
  const datasetId = useStore(episodes, (s) => s.datasetId);
  const open = useStore(episodes, (s) => s.open);
  const error = useStore(episodes, (s) => s.error);

  useEffect(() => {
    void episodes.getState().refresh();
    return () => void episodes.getState().flush();
  }, [episodes]);

  // Keyboard transport and undo (not while typing in a field).
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      const s = episodes.getState();
      if (e.key === "Escape") {
        s.stopReplay();
        s.pause();
        return;
      }
      if (typing(e.target) || !s.open?.data) return;
      const mod = e.ctrlKey || e.metaKey;
      if (mod && e.key.toLowerCase() === "z") {
        e.preventDefault();
        if (e.shiftKey) s.redo();
        else s.undo();
        return;
      }
      if (mod && e.key.toLowerCase() === "y") {
        e.preventDefault();
        s.redo();
        return;
      }
      if (mod || e.altKey) return;
      const k = e.key.toLowerCase();
      if (e.key === " ") {
        e.preventDefault();
        if (s.speed === 0) s.play(1);
        else s.pause();
      } else if (e.key === "ArrowRight") {
        e.preventDefault();
        s.step(e.shiftKey ? 10 : 1);
      } else if (e.key === "ArrowLeft") {
        e.preventDefault();
        s.step(e.shiftKey ? -10 : -1);
      } else if (k === "k") s.pause();
      else if (k === "l") s.play(s.speed > 0 ? Math.min(8, s.speed * 2) : 1);
      else if (k === "j") s.play(s.speed < 0 ? Math.max(-8, s.speed * 2) : -1);
    };
    window.addEventListener("keydown", onKey);
    return () => window.removeEventListener("keydown", onKey);
  }, [episodes]);

  return (
    <div className="episodes-screen" data-testid="episodes-screen">
      <div className="row">
        <h2>Episodes</h2>
        <label>
          Dataset{" "}
          <select aria-label="Dataset" value={datasetId ?? ""} onChange={(e) => void episodes.getState().selectDataset(e.target.value)}>
            {datasets.length === 0 && <option value="">no datasets yet</option>}
            {datasets.map((d) => (
              <option key={d.id} value={d.id}>
                {d.name}
              </option>
            ))}
          </select>
        </label>
        <span className="muted small">Space play/pause · ←/→ frame · J/K/L back/pause/forward · Ctrl+Z undo · Esc stop</span>
      </div>
      {error && <p className="bad">{error}</p>}
      <div className={`episodes-layout${open ? " with-player" : ""}`}>
        <EpisodeBrowser />
        {open && (
          <div className="episode-detail">
            <div className="row">
              <h3>Episode {open.data ? `#${open.data.episode.index}` : ""}</h3>
              <span className="spacer" />
              <button onClick={() => void episodes.getState().closeEpisode()}>Close</button>
            </div>
            {open.loading && <p className="muted">Loading the episode…</p>}
            {open.error && <p className="bad">{open.error}</p>}
            {open.data && (
              <>
                <EpisodePlayer data={open.data} />
                <AnnotationPanel data={open.data} />
                <ReplayBar />
              </>
            )}
          </div>
        )}
      </div>
    </div>
  );
}
