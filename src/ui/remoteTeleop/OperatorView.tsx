import { useCallback, useEffect, useRef } from "react";
import { useStore } from "zustand";
import type { RobotKind } from "../../core/robots.ts";
import { useStudio } from "../StudioContext.tsx";
import { JOINT_KEYS, useJointKeys } from "../teleop/ManualControls.tsx";
import { OperatorTwin } from "./OperatorTwin.tsx";
import { fmt, Figures, pathLabel } from "./figures.tsx";

function RemoteVideo({ stream, index }: { stream: MediaStream; index: number }) {
  const video = useRef<HTMLVideoElement>(null);
  useEffect(() => {
    const v = video.current;
    if (!v) return;
    v.srcObject = stream;
    void v.play().catch(() => undefined);
    return () => {
      v.srcObject = null;
    };
  }, [stream]);
  return (
    <figure className="camera" data-testid="remote-video">
      <video ref={video} muted playsInline autoPlay aria-label={`Station camera ${index + 1}`} />
    </figure>
  );
}

const SPEED = 30;
const KINDS: readonly RobotKind[] = ["so100", "so101", "koch"];

/**
 * The operator's side: the station's cameras live, its follower's twin with our command as the
 * ghost, the link figures, and the controls — start/stop driving, e-stop, the session keys
 * (→ ← D Esc, sent to the station), and the command source: the joints by keyboard (Q/A … Y/H),
 * sliders and 3D drag, or the leader arm connected to this browser (its readings sent as commands).
 */
export function OperatorView() {
  const { remote } = useStudio();
  const op = useStore(remote, (s) => s.operator);
  const engine = useStore(remote, (s) => s.operatorEngine);
  const leave = useStore(remote, (s) => s.leave);
  const leader = useStore(remote, (s) => s.leader);
  const setLeader = useStore(remote, (s) => s.useLeader);
  const leaderAvailable = useStore(remote, (s) => s.leaderAvailable);
  const leaderOn = leader.status === "on";
  const robot: RobotKind = KINDS.find((k) => k === op.session?.robot) ?? "so101";
  const connected = op.status === "connected";

  const nudge = useCallback((j: number, d: number) => engine.nudge(j, d), [engine]);
  useJointKeys(nudge, SPEED, connected && !leaderOn);
  const reviewing = op.take?.phase === "reset";
  // The session keys go to the station: → next, ← re-record, Delete/Backspace discard (under review; not D, a joint key), Escape stop.
  useEffect(() => {
    if (!connected) return;
    const down = (e: KeyboardEvent) => {
      if (e.target instanceof HTMLInputElement || e.target instanceof HTMLTextAreaElement) return;
      if (e.key === "ArrowRight") void engine.key("next");
      else if (e.key === "ArrowLeft") void engine.key("rerecord");
      else if (e.key === "Escape") void engine.key("stop");
      else if ((e.key === "Delete" || e.key === "Backspace") && reviewing) void engine.key("discard");
    };
    window.addEventListener("keydown", down);
    return () => window.removeEventListener("keydown", down);
  }, [connected, engine, reviewing]);

  const session = op.session;
  const l = op.link;
  return (
    <section className="panel" data-testid="remote-operator" data-status={op.status}>
      <h2>Operating a remote station</h2>
      <p className={op.error ? "bad" : "muted"} role={op.error ? "alert" : "status"} data-testid="operator-status">
        {op.error ?? op.message}
      </p>
      {connected && (
        <>
          <div className="row">
            <button type="button" className="primary" disabled={session?.driver === "remote"} onClick={() => void engine.start()}>
              Drive the station's arm
            </button>
            <button type="button" disabled={session?.driver !== "remote"} onClick={() => void engine.stop()}>
              Stop driving (it holds)
            </button>
            <button type="button" className="estop" onClick={() => void engine.estop()} title="Torque off at the station">
              EMERGENCY STOP (station)
            </button>
            <button type="button" onClick={leave}>
              Leave
            </button>
          </div>
          <p
            className={`safety ${op.loop ?? "idle"}`}
            data-testid="operator-loop"
            data-loop={op.loop}
            data-hold={String(op.hold)}
            data-driver={session?.driver}
          >
            Station loop: {op.loop ?? "—"} ·{" "}
            {session?.driver === "remote" ? (op.hold ? "holding (no fresh command)" : "following you") : "driven at the station"}
          </p>
          {/* The station's cameras and the twin side by side: both in view while driving. */}
          <div className="operator-live">
            {op.tracks.map((t, i) => (
              <RemoteVideo key={t.track.id} stream={t.stream} index={i} />
            ))}
            <OperatorTwin robot={robot} engine={engine} />
          </div>
          <Figures
            testId="operator-link"
            rows={[
              ["round trip", `${fmt(l.rttMs)} ms`],
              ["path", pathLabel(l.path)],
              ["command age when applied (p50 / p99)", `${fmt(l.cmdAgeP50Ms)} / ${fmt(l.cmdAgeP99Ms)} ms`],
              ["state loss", Number.isFinite(l.stateLoss) ? `${(l.stateLoss * 100).toFixed(1)} %` : "—"],
              ["video", `${fmt(l.videoKbps)} kbit/s · ${fmt(l.videoFps)} fps · ${fmt(l.videoPacketsLost)} packets lost`],
              ["video glass-to-glass (p50, simulated camera's timecode)", `${fmt(l.videoLatencyP50Ms)} ms`],
              ["commands sent", String(l.commandsSent)],
              [
                "station limits",
                session ? `commands older than ${session.maxAgeMs} ms dropped · hold after ${session.watchdogMs} ms quiet` : "—",
              ],
            ]}
          />
          <h3>Recording at the station</h3>
          <p data-testid="operator-take" data-phase={op.take?.phase ?? "idle"}>
            {op.take ? `${op.take.phase} · ${op.take.episode} kept${op.take.message ? ` · ${op.take.message}` : ""}` : "—"}
            {op.take && op.take.qa.length > 0 && <span className="warn"> · QA: {op.take.qa.join("; ")}</span>}
          </p>
          <div className="row">
            <button type="button" onClick={() => void engine.key("start")}>
              Start recording session
            </button>
            <button type="button" onClick={() => void engine.key("next")} title="→">
              → Next
            </button>
            <button type="button" onClick={() => void engine.key("rerecord")} title="←">
              ← Re-record
            </button>
            <button type="button" onClick={() => void engine.key("discard")} title="Delete">
              D Discard
            </button>
            <button type="button" onClick={() => void engine.key("stop")} title="Escape">
              Esc Stop session
            </button>
          </div>
          <h3>Command source</h3>
          <div className="row" data-testid="operator-leader" data-status={leader.status}>
            {leaderOn ? (
              <button type="button" onClick={() => setLeader(false)}>
                Stop using my leader arm
              </button>
            ) : (
              <button type="button" onClick={() => setLeader(true)} disabled={session?.driver !== "remote"}>
                Drive with my leader arm{leaderAvailable() ? ` (${leaderAvailable()})` : ""}
              </button>
            )}
            <span className="muted" role="status" data-testid="operator-leader-message">
              {leader.message ||
                (leaderAvailable()
                  ? "The leader arm connected to this browser can drive the station (press Drive first)."
                  : "No calibrated leader arm on this browser: the keyboard, sliders and 3D drag drive.")}
            </span>
          </div>
          <h3>Joints</h3>
          <p className="muted">
            Keys: {JOINT_KEYS.map(([a, b], i) => `${a.toUpperCase()}/${b.toUpperCase()} ${session?.joints[i] ?? ""}`).join(" · ")}
          </p>
          {(session?.joints ?? []).map((name, i) => {
            const r = session!.ranges[i] ?? [-180, 180];
            const v = op.targets[i] ?? NaN;
            return (
              <label key={name} className="slider-row">
                <span>{name}</span>
                <input
                  type="range"
                  aria-label={`${name} remote target`}
                  min={r[0]}
                  max={r[1]}
                  step={0.5}
                  value={Number.isNaN(v) ? 0 : v}
                  disabled={Number.isNaN(v) || leaderOn}
                  onChange={(e) => engine.setTarget(i, Number(e.target.value))}
                />
                <span className="num" data-testid="remote-target">
                  {Number.isNaN(v) ? "—" : v.toFixed(1)}
                </span>
              </label>
            );
          })}
        </>
      )}
    </section>
  );
}
