import { useEffect, useRef, useState } from "react";
import { useStore } from "zustand";
import { ARMS } from "../../core/robots.ts";
import type { RolloutPhase } from "../../state/index.ts";
import { CameraGrid } from "../cameras/CameraGrid.tsx";
import { LiveLanguageBar } from "../record/LiveLanguageBar.tsx";
import { useRig, useStudio } from "../StudioContext.tsx";
import { MappingForm } from "./MappingForm.tsx";
import { PolicySourcePicker } from "./PolicySourcePicker.tsx";

const PHASE_TEXT: Record<RolloutPhase, string> = {
  idle: "ready",
  starting: "starting…",
  autonomous: "POLICY ACTING",
  held: "holding",
  paused: "taking over…",
  correcting: "YOU ARE CORRECTING",
  stopped: "stopped",
};

const LANGUAGE_HINT =
  "the policy's prompt from Enter on, stamped on that row when a take records · Esc cancels the input (the rollout goes on)";

const typing = (t: EventTarget | null) => {
  const el = t as HTMLElement | null;
  return !!el && (el.tagName === "INPUT" || el.tagName === "TEXTAREA" || el.tagName === "SELECT" || el.isContentEditable);
};

/** Space, or a gamepad's A button (a foot pedal sends a key): take over / hand back. */
function useToggleKeys(toggle: () => void, active: boolean) {
  useEffect(() => {
    if (!active) return;
    const onKey = (e: KeyboardEvent) => {
      if (e.key === " " && !typing(e.target)) {
        e.preventDefault();
        toggle();
      }
    };
    window.addEventListener("keydown", onKey);
    let raf = 0;
    let was = false;
    const poll = () => {
      const pressed = (navigator.getGamepads?.() ?? []).some((g) => g?.buttons[0]?.pressed === true);
      if (pressed && !was) toggle();
      was = pressed;
      raf = requestAnimationFrame(poll);
    };
    raf = requestAnimationFrame(poll);
    return () => {
      window.removeEventListener("keydown", onKey);
      cancelAnimationFrame(raf);
    };
  }, [toggle, active]);
}

/** The simulated leader's "hand": let go of it, or move it (the scripted motion) to correct. */
function SimLeaderHand() {
  const simulate = useRig((s) => s.simulate);
  const leader = useRig((s) => s.profiles.find((p) => p.simulated && ARMS[p.arm].role === "leader"));
  const [note, setNote] = useState<string>();
  if (!leader) return null;
  const move = (mode: "hold" | "script", text: string) =>
    void simulate(leader.id, { kind: "hand", mode }).then(
      () => setNote(text),
      (e: unknown) => setNote(e instanceof Error ? e.message : String(e)),
    );
  return (
    <div className="sim-hand row" data-testid="sim-leader-hand">
      <span className="muted">Simulated hand on the leader:</span>
      <button type="button" onClick={() => move("hold", "Hand still on the leader.")}>
        Hold still
      </button>
      <button type="button" onClick={() => move("script", "Moving the leader…")}>
        Move the leader
      </button>
      {note && <span className="muted">{note}</span>}
    </div>
  );
}

/** Run a policy on the arm, take over with the leader when it errs, and record the corrections. */
export function RolloutScreen() {
  const { rollout } = useStudio();
  const s = useStore(rollout);
  const active = s.phase !== "idle" && s.phase !== "stopped";
  const toggle = useRef(s.toggle);
  toggle.current = s.toggle;
  const [onToggle] = useState(() => () => toggle.current());
  useToggleKeys(onToggle, active);
  const r = s.runner;
  return (
    <div className="screen rollout-screen">
      <h1>Rollout</h1>
      <PolicySourcePicker disabled={active || s.busy} />
      <MappingForm settings={s.settings} disabled={active || s.busy} />
      <div className="row">
        <button type="button" className="primary" disabled={active || s.busy} onClick={() => void s.start()}>
          Start rollout
        </button>
        <button type="button" disabled={!(s.phase === "autonomous" || s.phase === "held")} onClick={() => s.toggle()} title="Space">
          Take over (Space)
        </button>
        <button type="button" disabled={!(s.phase === "paused" || s.phase === "correcting")} onClick={() => s.toggle()} title="Space">
          Hand back (Space)
        </button>
        <button type="button" disabled={!active && !s.busy} onClick={() => void s.stop()}>
          Stop rollout
        </button>
      </div>
      <div className={`record-state ${s.phase}`} data-testid="rollout-phase" data-phase={s.phase}>
        <span className="phase">{PHASE_TEXT[s.phase]}</span>
        <span className="mono muted" data-testid="rollout-stats">
          {" "}
          · prompt “{s.prompt || s.settings.prompt}”{r ? ` · ${r.chunks} chunks` : ""}
          {r && Number.isFinite(r.roundTripMs) ? ` · round trip ${r.roundTripMs.toFixed(0)} ms` : ""}
          {s.timeline.interventions.length > 0
            ? ` · ${s.timeline.interventions.length} correction${s.timeline.interventions.length === 1 ? "" : "s"}`
            : ""}
          {s.taking ? " · ● recording this correction" : ""}
        </span>
      </div>
      {s.message && (
        <p
          className={s.phase === "held" || s.phase === "idle" ? "bad" : "muted"}
          role={s.phase === "held" ? "alert" : "status"}
          data-testid="rollout-message"
        >
          {s.message}
        </p>
      )}
      {s.recordingNote && (
        <p className="ok" role="status" data-testid="rollout-saved">
          {s.recordingNote}
        </p>
      )}
      <LiveLanguageBar store={s.liveLanguage} hint={LANGUAGE_HINT} />
      <SimLeaderHand />
      <CameraGrid />
      <p className="muted small">
        Keys: Space take over / hand back (a gamepad&apos;s A button and a foot pedal sending Space do the same) · I instruction (the
        policy&apos;s prompt) · N next subtask (while a take records) · Esc emergency stop. Start the reference policy with{" "}
        <code>npm run policy-server</code>.
      </p>
    </div>
  );
}
