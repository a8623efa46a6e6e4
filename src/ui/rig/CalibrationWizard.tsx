import { useEffect, useState, useSyncExternalStore } from "react";
import { HALF_TURN, MAX_RAW } from "../../core/calibration.ts";
import { ARMS } from "../../core/robots.ts";
import type { CalibrationSession, CalibrationSnapshot, JointLive } from "../../state/index.ts";
import { useRig } from "../StudioContext.tsx";
import { messageOf } from "../../core/messages.ts";

function useSession(session: CalibrationSession): CalibrationSnapshot {
  return useSyncExternalStore(
    (fn) => session.subscribe(fn),
    () => session.snapshot,
  );
}

/** One joint's live position inside its recorded min/max, on a 0..4095 track. */
function RangeBar({ joint, recording }: { joint: JointLive; recording: boolean }) {
  const pct = (v: number) => `${(v / MAX_RAW) * 100}%`;
  const has = joint.min !== undefined && joint.max !== undefined;
  return (
    <div className="range-row" data-testid="range-row" data-joint={joint.name}>
      <span className="range-name">{joint.name}</span>
      <div className="range-track">
        <div className="range-middle" style={{ left: pct(HALF_TURN) }} />
        {recording && has && !joint.fullTurn && (
          <div className="range-span" style={{ left: pct(joint.min!), width: pct(joint.max! - joint.min!) }} />
        )}
        {joint.position !== undefined && (
          <div className="range-pos" style={{ left: pct(Math.min(MAX_RAW, Math.max(0, joint.position))) }} />
        )}
      </div>
      <span className="num range-nums" data-testid="range-values">
        {joint.fullTurn ? "full turn (0–4095)" : has ? `${joint.min} – ${joint.max}` : "—"}
      </span>
      <span className="num">{joint.position ?? "no reply"}</span>
    </div>
  );
}

/** The simulated arm's "hand": what a person would do with the real arm at each step. */
function SimHand({ busKey, phase }: { busKey: string; phase: CalibrationSnapshot["phase"] }) {
  const simulate = useRig((s) => s.simulate);
  // A note belongs to the step it was given in: "Sweeping…" goes once the wizard moves on.
  const [note, setNote] = useState<{ phase: string; text: string }>();
  const move = (mode: "middle" | "sweep" | "hold" | "script", text: string) =>
    void simulate(busKey, { kind: "hand", mode }).then(
      () => setNote({ phase, text }),
      (e: unknown) => setNote({ phase, text: messageOf(e) }),
    );
  return (
    <div className="sim-hand row" data-testid="sim-hand">
      <span className="muted">Simulated hand:</span>
      <button type="button" disabled={phase !== "middle"} onClick={() => move("middle", "Moving every joint to the middle…")}>
        Centre the arm
      </button>
      <button type="button" disabled={phase !== "sweep"} onClick={() => move("sweep", "Sweeping each joint end to end (about 4 s)…")}>
        Sweep every joint
      </button>
      <button type="button" onClick={() => move("hold", "Hand off the arm.")}>
        Let go
      </button>
      {note && note.phase === phase && (
        <span className="muted" data-testid="sim-hand-note">
          {note.text}
        </span>
      )}
    </div>
  );
}

/** "wrist_roll turns fully and needs no range." / "shoulder_pan and wrist_roll turn fully and need no range." */
function fullTurnNote(names: readonly string[]): string {
  if (names.length === 0) return "";
  const one = names.length === 1;
  return `${names.join(" and ")} ${one ? "turns" : "turn"} fully and ${one ? "needs" : "need"} no range.`;
}

export function CalibrationWizard({
  session,
  profileName,
  simulated,
  busKey,
}: {
  session: CalibrationSession;
  profileName: string;
  simulated: boolean;
  busKey: string;
}) {
  const snap = useSession(session);
  const save = useRig((s) => s.saveCalibration);
  const close = useRig((s) => s.closeCalibration);
  const arm = ARMS[session.arm.id];
  const [busy, setBusy] = useState(false);
  const act = (fn: () => Promise<unknown> | void) => {
    setBusy(true);
    Promise.resolve(fn())
      .catch(() => undefined)
      .finally(() => setBusy(false));
  };
  useEffect(() => () => session.dispose(), [session]);

  const step = (n: number, title: string, active: boolean, done: boolean) => (
    <li className={active ? "active" : done ? "done" : ""}>
      <span className="step-n">{n}</span> {title}
    </li>
  );
  const order = ["ready", "preparing", "middle", "homing", "sweep", "review", "saving", "saved"];
  const at = order.indexOf(snap.phase);

  return (
    <section className="wizard" data-testid="calibration-wizard" aria-label={`Calibrate ${profileName}`}>
      <header>
        <h2>Calibrate {profileName}</h2>
        <span className="pill" data-testid="calibration-phase">
          {snap.phase}
        </span>
        <span className="spacer" />
        <button type="button" onClick={() => act(close)}>
          {snap.phase === "saved" ? "Close" : "Cancel"}
        </button>
      </header>
      <ol className="steps">
        {step(1, "Torque off", at <= 1, at > 1)}
        {step(2, "Centre the arm, set the middle", at >= 2 && at <= 3, at > 3)}
        {step(3, "Sweep every joint", at === 4, at > 4)}
        {step(4, "Review and save", at >= 5, snap.phase === "saved")}
      </ol>

      {snap.phase === "ready" && (
        <>
          <p>
            Calibration turns {arm.label}'s motor torque off so you can move it by hand, records where the middle of each joint is and how
            far each joint goes, and writes that to the motors — the same procedure and file as lerobot.
          </p>
          <button type="button" className="primary" disabled={busy} onClick={() => act(() => session.begin())}>
            Start: turn torque off
          </button>
        </>
      )}
      {snap.phase === "middle" && (
        <>
          <p>
            Move the arm to the <strong>middle of its range</strong>: every joint halfway between its end stops, gripper half open. Then set
            the middle.
          </p>
          <button type="button" className="primary" disabled={busy} onClick={() => act(() => session.setMiddle())}>
            Set middle pose
          </button>
        </>
      )}
      {(snap.phase === "sweep" || snap.phase === "review") && (
        <p>
          Now move <strong>every joint from one end stop to the other</strong>, starting each toward its arrow:{" "}
          {arm.motors
            .filter((m) => !m.fullTurn)
            .map((m) => `${m.name} → ${m.positive}`)
            .join("; ")}
          . {fullTurnNote(arm.motors.filter((m) => m.fullTurn).map((m) => m.name))}
        </p>
      )}
      {(snap.phase === "middle" || snap.phase === "sweep" || snap.phase === "review" || snap.phase === "saved") && (
        <div className="ranges">
          {snap.joints.map((j) => (
            <RangeBar key={j.name} joint={j} recording={snap.phase !== "middle"} />
          ))}
        </div>
      )}
      {snap.phase === "sweep" && (
        <button type="button" className="primary" disabled={busy} onClick={() => session.finishSweep()}>
          Done sweeping
        </button>
      )}
      {snap.phase === "review" && (
        <>
          {snap.issues.length === 0 ? (
            <p className="ok" data-testid="calibration-issues">
              Every joint moved through a plausible range.
            </p>
          ) : (
            <ul className="warn" data-testid="calibration-issues">
              {snap.issues.map((i) => (
                <li key={`${i.joint}-${i.kind}`}>{i.message}</li>
              ))}
            </ul>
          )}
          <div className="row">
            <button type="button" disabled={busy} onClick={() => session.resumeSweep()}>
              Sweep again
            </button>
            <button
              type="button"
              className="primary"
              disabled={busy}
              onClick={() =>
                act(async () => {
                  await session.save();
                  await save();
                })
              }
            >
              {snap.issues.length === 0 ? "Save calibration" : "Save anyway"}
            </button>
          </div>
        </>
      )}
      {snap.phase === "saved" && <p className="ok">Saved: the motors and the profile hold the new calibration.</p>}
      {snap.phase === "failed" && (
        <p className="bad" role="alert" data-testid="calibration-error">
          {snap.error}
        </p>
      )}
      {snap.phase === "cancelled" && <p className="muted">Cancelled: the previous calibration is back on the motors.</p>}
      {simulated && <SimHand busKey={busKey} phase={snap.phase} />}
    </section>
  );
}
