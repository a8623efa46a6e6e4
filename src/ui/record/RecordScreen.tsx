import { useEffect, useState } from "react";
import { useStore } from "zustand";
import { RECORDING_ELSEWHERE, type RecordingPhase, type RecordingSettings, type SyncReport } from "../../state/index.ts";
import { cutShortLabel, lostFramesLabel } from "../../core/dataset.ts";
import { useStudio } from "../StudioContext.tsx";
import { CameraGrid } from "../cameras/CameraGrid.tsx";
import { LiveLanguageBar } from "./LiveLanguageBar.tsx";

const PHASE_TEXT: Record<RecordingPhase, string> = {
  idle: "ready",
  preparing: "preparing…",
  countdown: "get ready",
  recording: "RECORDING",
  saving: "saving…",
  reset: "reset the scene",
  done: "session ended",
};

/**
 * The page clock (the session's), read at every render; while `active` it re-renders 4× a second.
 * Read fresh, not kept in state: a countdown's first frame must not use a time from before it began.
 */
function useNow(active: boolean): number {
  const [, setTick] = useState(0);
  useEffect(() => {
    if (!active) return;
    const t = setInterval(() => setTick((n) => n + 1), 250);
    return () => clearInterval(t);
  }, [active]);
  return performance.now();
}

/** Whole seconds left until `endsAt` (rounded up: "3, 2, 1", never "0" while it runs), or undefined. */
function secondsLeft(endsAt: number | undefined, now: number): number | undefined {
  return endsAt === undefined ? undefined : Math.max(0, Math.ceil((endsAt - now) / 1000 - 1e-6));
}

function mb(bytes: number): string {
  return bytes >= 1e9 ? `${(bytes / 1e9).toFixed(2)} GB` : `${(bytes / 1e6).toFixed(1)} MB`;
}

function SyncTable({ sync }: { sync: SyncReport }) {
  const keys = Object.keys(sync.skewP99Ms);
  return (
    <table className="motors small" data-testid="sync-report">
      <thead>
        <tr>
          <th>Camera</th>
          <th className="num">skew p50 (ms)</th>
          <th className="num">skew p99 (ms)</th>
          <th className="num">duplicated</th>
          <th className="num">dropped</th>
          <th className="num" title="rows that repeat the frame before them because the encoder fell behind">
            encoder repeats
          </th>
        </tr>
      </thead>
      <tbody>
        {keys.map((k) => (
          <tr key={k}>
            <td>{k}</td>
            <td className="num">{sync.skewP50Ms[k]?.toFixed(1)}</td>
            <td className="num">{sync.skewP99Ms[k]?.toFixed(1)}</td>
            <td className="num">{sync.duplicatedFrames[k]}</td>
            <td className="num">{sync.droppedFrames[k]}</td>
            <td className={sync.encoderRepeatedRows?.[k] ? "num bad" : "num"}>{sync.encoderRepeatedRows?.[k] ?? "—"}</td>
          </tr>
        ))}
        <tr>
          <td colSpan={6} className="muted" data-testid="joint-sync">
            {sync.rows} rows · joint sample age p99 {Number.isFinite(sync.jointAgeP99Ms) ? sync.jointAgeP99Ms.toFixed(1) : "—"} ms ·{" "}
            <span className={sync.staleJointRows ? "bad" : undefined}>{sync.staleJointRows ?? "—"} rows without a joint sample</span> ·{" "}
            {sync.duplicatedJointRows ?? "—"} repeated samples · loop{" "}
            {sync.loopRateHz !== undefined && Number.isFinite(sync.loopRateHz) ? `${sync.loopRateHz.toFixed(1)} Hz` : "—"}, jitter p99{" "}
            {Number.isFinite(sync.loopJitterP99Ms) ? `${sync.loopJitterP99Ms.toFixed(2)} ms` : "—"}
          </td>
        </tr>
      </tbody>
    </table>
  );
}

function Settings({ settings, disabled }: { settings: RecordingSettings; disabled: boolean }) {
  const { recording } = useStudio();
  const update = useStore(recording, (s) => s.update);
  const num = (key: keyof RecordingSettings, label: string, min: number, max: number) => (
    <label>
      {label}{" "}
      <input
        type="number"
        aria-label={label}
        min={min}
        max={max}
        value={settings[key] as number}
        disabled={disabled}
        onChange={(e) => update({ [key]: Math.max(min, Math.min(max, Number(e.target.value) || 0)) })}
        style={{ width: "5em" }}
      />
    </label>
  );
  return (
    <div className="record-settings">
      <div className="row">
        <label>
          Dataset{" "}
          <input
            aria-label="Dataset name"
            value={settings.datasetName}
            disabled={disabled}
            onChange={(e) => update({ datasetName: e.target.value })}
          />
        </label>
        <label className="grow">
          Task{" "}
          <input
            aria-label="Task"
            className="wide"
            value={settings.task}
            disabled={disabled}
            onChange={(e) => update({ task: e.target.value })}
          />
        </label>
      </div>
      <div className="row">
        {num("fps", "fps", 1, 60)}
        {num("episodeSeconds", "Episode seconds", 0, 3600)}
        {num("resetSeconds", "Reset seconds", 0, 600)}
        {num("episodes", "Episodes", 1, 10000)}
        <label>
          Codec{" "}
          <select
            aria-label="Codec"
            value={settings.codec}
            disabled={disabled}
            onChange={(e) => update({ codec: e.target.value as RecordingSettings["codec"] })}
          >
            <option value="auto">auto (AV1, else a faster one)</option>
            <option value="av1">AV1</option>
            <option value="h264">H.264</option>
            <option value="vp9">VP9</option>
          </select>
        </label>
        <span className="muted small">0 seconds = until you press →</span>
      </div>
    </div>
  );
}

/**
 * Record: the session bar (dataset, task, fps, lengths), a large state indicator with the
 * countdown and episode counter, the cameras, and after each take its QA for keep/discard.
 * Keys: → next, ← re-record, Delete (or Backspace) discard the take under review, Escape stop.
 */
export function RecordScreen() {
  const { recording } = useStudio();
  const s = useStore(recording, (st) => st);
  const live = s.phase === "recording" || s.phase === "countdown" || s.phase === "reset";
  const now = useNow(live);
  const left = secondsLeft(s.phaseEndsAt, now);
  const inSession = s.phase !== "idle" && s.phase !== "done";

  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      const target = e.target as HTMLElement | null;
      if (target && (target.tagName === "INPUT" || target.tagName === "SELECT" || target.tagName === "TEXTAREA")) return;
      const st = recording.getState();
      if (e.key === "ArrowRight") {
        e.preventDefault();
        void st.next();
      } else if (e.key === "ArrowLeft") {
        e.preventDefault();
        void st.rerecord();
      } else if (e.key === "Escape") void st.stop();
      // Delete / Backspace, not D: D is a joint key of keyboard teleoperation (E/D, the elbow).
      else if ((e.key === "Delete" || e.key === "Backspace") && st.lastTake && !st.lastTake.discarded) {
        e.preventDefault();
        void st.discardLast();
      }
    };
    window.addEventListener("keydown", onKey);
    return () => window.removeEventListener("keydown", onKey);
  }, [recording]);

  const take = s.lastTake;
  return (
    <div className="screen record-screen">
      <h1>Record</h1>
      {s.recovered.length > 0 && (
        <div className="notice" role="status" data-testid="recovered">
          Recovered {s.recovered.length} take{s.recovered.length === 1 ? "" : "s"} interrupted by a crash or reload:{" "}
          {s.recovered.map((r) => `episode ${r.episode.index} (${r.episode.length} rows kept)`).join(", ")}. They are stored as
          "interrupted" and can be played and exported.{" "}
          <button type="button" onClick={() => s.dismissRecovered()}>
            OK
          </button>
        </div>
      )}
      {s.elsewhere && (
        <p className="notice" role="status" data-testid="recording-elsewhere">
          {RECORDING_ELSEWHERE}
        </p>
      )}
      <Settings settings={s.settings} disabled={inSession} />
      <div className="row">
        <button
          type="button"
          className="primary"
          disabled={inSession || s.elsewhere}
          onClick={() => void s.start()}
          title={s.elsewhere ? RECORDING_ELSEWHERE : undefined}
        >
          Start recording
        </button>
        <button
          type="button"
          disabled={s.phase !== "recording" && s.phase !== "reset" && s.phase !== "countdown"}
          onClick={() => void s.next()}
          title="→"
        >
          Next →
        </button>
        <button
          type="button"
          disabled={s.phase !== "recording" && !(s.phase === "reset" && take && !take.discarded)}
          onClick={() => void s.rerecord()}
          title="←"
        >
          ← Re-record
        </button>
        <button type="button" disabled={!inSession} onClick={() => void s.stop()} title="Escape">
          Stop (Esc)
        </button>
      </div>
      <div className={`record-state ${s.phase}`} data-testid="record-state" data-phase={s.phase}>
        <span className="phase">{PHASE_TEXT[s.phase]}</span>
        {left !== undefined && live && (
          <span className="countdown mono" data-testid="countdown">
            {" "}
            {left} s
          </span>
        )}
        <span className="counter mono" data-testid="episode-counter">
          {" "}
          take {Math.min(s.kept + (s.phase === "recording" ? 1 : 0), s.settings.episodes)} / {s.settings.episodes}
        </span>
        {s.phase === "recording" && <span className="mono muted"> · {s.rows} rows</span>}
        {s.phase === "done" && (
          <span className="counter" data-testid="session-summary">
            {" "}
            {s.kept} kept · {s.discarded} discarded{s.dataset ? ` · in ${s.dataset.name}` : ""} ·{" "}
            <button type="button" className="link-button" onClick={() => (location.hash = "#episodes")}>
              review the takes
            </button>
          </span>
        )}
      </div>
      <LiveLanguageBar store={s.liveLanguage} />
      {s.codecWarning && <p className="warn">{s.codecWarning}</p>}
      {s.error && (
        <p className="bad" role="alert" data-testid="record-error">
          {s.error}
        </p>
      )}
      {take && (
        <section className="panel qa" data-testid="take-review" aria-label="Last take">
          <h2>
            Last take: take {take.discarded ? s.kept + 1 : s.kept} / {s.settings.episodes} — {take.episode.length} rows, stored as episode{" "}
            {take.episode.index} {take.discarded ? <span className="warn">discarded</span> : <span className="ok">kept</span>}
            {[cutShortLabel(take.qa), lostFramesLabel(take.qa)].map(
              (label) =>
                label && (
                  <span key={label} className="pill warn-pill" data-testid="take-label">
                    {" "}
                    {label}
                  </span>
                ),
            )}
          </h2>
          {take.failure && <p className="bad">{take.failure}</p>}
          {take.qa.length === 0 ? (
            <p className="ok" data-testid="qa-flags">
              No problems found.
            </p>
          ) : (
            <ul className="warn" data-testid="qa-flags">
              {take.qa.map((f, i) => (
                <li key={i} data-kind={f.kind}>
                  {f.message}
                </li>
              ))}
            </ul>
          )}
          {take.sync && <SyncTable sync={take.sync} />}
          {!take.discarded && (
            <button type="button" onClick={() => void s.discardLast()}>
              Discard this take (Del)
            </button>
          )}
        </section>
      )}
      <CameraGrid />
      <p className="muted small" data-testid="storage-usage">
        {s.usage ? `Storage: ${mb(s.usage.usageBytes)} used of ${mb(s.usage.quotaBytes)}` : ""}
        {s.persisted === "granted"
          ? " · persistent (the browser will not evict it)"
          : s.persisted === "denied"
            ? " · not persistent: the browser may evict data when space runs low"
            : ""}
      </p>
      <p className="muted small">
        Keys: <kbd>→</kbd> next · <kbd>←</kbd> re-record · <kbd>Del</kbd> discard the last take · <kbd>Esc</kbd> stop (and emergency stop) ·
        during a take: <kbd>I</kbd> instruction, <kbd>N</kbd> next subtask · <kbd>?</kbd> all shortcuts
      </p>
    </div>
  );
}
